#!/usr/bin/env bash
# The AWS CLI (ivs-realtime) against `ivs-server emulator`: every acceptance flow of the IVS
# emulator. Usage: aws_cli_test.sh <path to ivs-server>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/emulator_env.sh" "$1"
work=$(mktemp -d)
trap 'emulator_stop; rm -rf "$work"' EXIT

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   - $1"; }
bad() { failed=$((failed + 1)); echo "FAIL - $1"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }
ivs() { aws ivs-realtime --endpoint-url "$EP" --output json "$@"; }
# jget '<python expression over d>' < json
jget() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
# Runs an ivs command expected to fail; succeeds when stderr names the error type.
fails_with() {
  local type=$1; shift
  if ivs "$@" >"$work/out" 2>"$work/err"; then echo "unexpected success: $*" >&2; return 1; fi
  grep -q "$type" "$work/err" || { cat "$work/err" >&2; return 1; }
}
control() { curl -sf -X POST "$EP/_emulator/$1" -H 'content-type: application/json' -d "$2"; }

# create-stage, get-stage
ivs create-stage --name sdk-stage-0 --tags ManagedBy=ivs-server >"$work/stage.json"
arn=$(jget 'd["stage"]["arn"]' <"$work/stage.json")
check "create-stage returns a stage ARN" \
  grep -Eq '^arn:aws:ivs:us-east-1:[0-9]{12}:stage/[A-Za-z0-9]{12}$' <<<"$arn"
check "create-stage returns the emulator's own WHIP endpoint" \
  test "$EP/whip" = "$(jget 'd["stage"]["endpoints"]["whip"]' <"$work/stage.json")"
check "get-stage returns the stage" \
  test "$(ivs get-stage --arn "$arn" | jget 'd["stage"]["name"]+"|"+d["stage"]["tags"]["ManagedBy"]')" = "sdk-stage-0|ivs-server"

# list-stages over 7 stages
for i in 1 2 3 4 5 6; do ivs create-stage --name "sdk-stage-$i" >/dev/null; done
ivs list-stages --max-results 3 >"$work/page.json"
check "list-stages --max-results 3 returns 3 stages and a nextToken" \
  test "$(jget 'str(len(d["stages"]))+"|"+str(bool(d.get("nextToken")))' <"$work/page.json")" = "3|True"
token=$(jget 'd["nextToken"]' <"$work/page.json")
check "list-stages --next-token continues" \
  test "$(ivs list-stages --max-results 3 --next-token "$token" | jget 'len(d["stages"])')" = "3"
# botocore ships no paginator for ivs-realtime ListStages, so the CLI cannot auto-paginate:
# follow nextToken by hand, 3 at a time.
list_all() {
  local next="" pages=0 arns=""
  while :; do
    if [ -n "$next" ]; then ivs list-stages --max-results 3 --next-token "$next" >"$work/p.json"
    else ivs list-stages --max-results 3 >"$work/p.json"; fi
    pages=$((pages + 1))
    arns="$arns $(jget '" ".join(s["arn"] for s in d["stages"])' <"$work/p.json")"
    next=$(jget 'd.get("nextToken", "")' <"$work/p.json")
    [ -n "$next" ] || break
  done
  echo "$pages|$(tr ' ' '\n' <<<"$arns" | sed '/^$/d' | sort -u | wc -l)"
}
check "list-stages paginated 3 at a time covers all 7 stages in 3 pages" test "$(list_all)" = "3|7"
check "list-stages without --max-results returns all 7" \
  test "$(ivs list-stages | jget 'len(set(s["arn"] for s in d["stages"]))')" = "7"

# update-stage
check "update-stage renames" \
  test "$(ivs update-stage --arn "$arn" --name renamed | jget 'd["stage"]["name"]')" = "renamed"

# create-participant-token
ivs create-participant-token --stage-arn "$arn" --user-id viewer-1 --duration 60 \
  --capabilities SUBSCRIBE --attributes role=viewer >"$work/token.json"
check "create-participant-token returns a token" \
  test "$(jget 'str(len(d["participantToken"]["participantId"]))+"|"+str(d["participantToken"]["token"].count("."))+"|"+d["participantToken"]["userId"]' <"$work/token.json")" = "12|2|viewer-1"
check "create-participant-token echoes duration and capabilities" \
  test "$(jget 'str(d["participantToken"]["duration"])+"|"+",".join(d["participantToken"]["capabilities"])' <"$work/token.json")" = "60|SUBSCRIBE"

# delete-stage, then get-stage -> ResourceNotFoundException
ivs delete-stage --arn "$arn" >/dev/null
check "get-stage after delete-stage -> ResourceNotFoundException" \
  fails_with ResourceNotFoundException get-stage --arn "$arn"
check "invalid stage name -> ValidationException" \
  fails_with ValidationException create-stage --name 'bad name!'
check "duration out of range -> ValidationException" \
  fails_with ValidationException create-participant-token --stage-arn "$arn" --duration 20161
check "wrong secret -> InvalidSignatureException" \
  env AWS_SECRET_ACCESS_KEY=wrong-secret bash -c "$(declare -f fails_with ivs); work='$work'; EP='$EP'; fails_with InvalidSignatureException list-stages"

# import-public-key of a P-384 PEM made with openssl
openssl ecparam -name secp384r1 -genkey -noout -out "$work/priv.pem" 2>/dev/null
openssl ec -in "$work/priv.pem" -pubout -out "$work/pub.pem" 2>/dev/null
ivs import-public-key --public-key-material "file://$work/pub.pem" --name sdk-key >"$work/key.json"
key_arn=$(jget 'd["publicKey"]["arn"]' <"$work/key.json")
check "import-public-key returns a public-key ARN" \
  grep -Eq '^arn:aws:ivs:us-east-1:[0-9]{12}:public-key/[A-Za-z0-9]{12}$' <<<"$key_arn"
check "get-public-key returns the material" \
  test "$(ivs get-public-key --arn "$key_arn" | jget 'd["publicKey"]["publicKeyMaterial"].strip()')" = "$(cat "$work/pub.pem")"
openssl ecparam -name prime256v1 -genkey -noout -out "$work/p256.pem" 2>/dev/null
openssl ec -in "$work/p256.pem" -pubout -out "$work/p256pub.pem" 2>/dev/null
check "import-public-key of a P-256 key -> ValidationException" \
  fails_with ValidationException import-public-key --public-key-material "file://$work/p256pub.pem"
check "list-public-keys lists it" \
  test "$(ivs list-public-keys | jget 'len(d["publicKeys"])')" = "1"

# participant replication: join + publish through the control API first
master=$(ivs create-stage --name master | jget 'd["stage"]["arn"]')
fanout=$(ivs create-stage --name fanout | jget 'd["stage"]["arn"]')
tok=$(ivs create-participant-token --stage-arn "$master" --user-id host | jget 'd["participantToken"]["token"]')
pid=$(control join "{\"stageArn\":\"$master\",\"token\":\"$tok\"}" | jget 'd["participantId"]')
control publish "{\"stageArn\":\"$master\",\"participantId\":\"$pid\"}" >/dev/null
check "start-participant-replication" \
  ivs start-participant-replication --source-stage-arn "$master" --destination-stage-arn "$fanout" \
  --participant-id "$pid" --reconnect-window-seconds 30
check "list-participant-replicas shows the destination" \
  test "$(ivs list-participant-replicas --source-stage-arn "$master" --participant-id "$pid" | jget '"|".join(r["destinationStageArn"]+","+r["replicationState"] for r in d["replicas"])')" = "$fanout,ACTIVE"
session=$(ivs get-stage --arn "$fanout" | jget 'd["stage"]["activeSessionId"]')
check "the replica appears in the destination stage" \
  test "$(ivs list-participants --stage-arn "$fanout" --session-id "$session" | jget 'd["participants"][0]["replicationType"]+"|"+d["participants"][0]["participantId"]')" = "REPLICA|$pid"
check "start-participant-replication twice -> ConflictException" \
  fails_with ConflictException start-participant-replication --source-stage-arn "$master" \
  --destination-stage-arn "$fanout" --participant-id "$pid"
check "stop-participant-replication" \
  ivs stop-participant-replication --source-stage-arn "$master" --destination-stage-arn "$fanout" --participant-id "$pid"
check "list-participant-replicas is empty after stop" \
  test "$(ivs list-participant-replicas --source-stage-arn "$master" --participant-id "$pid" | jget 'len(d["replicas"])')" = "0"

# A participant that joins through WHIP (the token's whip_url): get-participant,
# get-stage-session and list-participant-events follow it from publish to WHIP DELETE.
wstage=$(ivs create-stage --name whip-stage | jget 'd["stage"]["arn"]')
wtok=$(ivs create-participant-token --stage-arn "$wstage" --user-id whip-host \
  --capabilities PUBLISH SUBSCRIBE | jget 'd["participantToken"]["token"]')
sdp=$'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\n'
whip() { curl -s -o "$work/answer.sdp" -D "$work/whip.h" -w '%{http_code}' -X POST "$EP/whip" \
  -H "Authorization: Bearer $1" -H 'Content-Type: application/sdp' --data-binary "$sdp"; }
header() { grep -i "^$1:" "$work/whip.h" | tr -d '\r' | awk '{print $2}'; }
check "WHIP POST with a PUBLISH token -> 201" test "$(whip "$wtok")" = "201"
wpid=$(header x-ivs-participant-id); wsid=$(header x-ivs-session-id); wloc=$(header location)
check "get-participant: the WHIP publisher is CONNECTED and published" \
  test "$(ivs get-participant --stage-arn "$wstage" --session-id "$wsid" --participant-id "$wpid" | jget 'd["participant"]["state"]+"|"+str(d["participant"]["published"])+"|"+d["participant"]["userId"]')" = "CONNECTED|True|whip-host"
check "get-stage-session: the session is open" \
  test "$(ivs get-stage-session --stage-arn "$wstage" --session-id "$wsid" | jget 'd["stageSession"]["sessionId"]+"|"+str("endTime" in d["stageSession"])')" = "$wsid|False"
check "list-participant-events: JOINED then PUBLISH_STARTED" \
  test "$(ivs list-participant-events --stage-arn "$wstage" --session-id "$wsid" --participant-id "$wpid" | jget '",".join(e["name"] for e in d["events"])')" = "JOINED,PUBLISH_STARTED"
curl -sf -X DELETE "$EP$wloc" >/dev/null
check "after WHIP DELETE get-participant says DISCONNECTED, not published" \
  test "$(ivs get-participant --stage-arn "$wstage" --session-id "$wsid" --participant-id "$wpid" | jget 'd["participant"]["state"]+"|"+str(d["participant"]["published"])')" = "DISCONNECTED|False"
check "after WHIP DELETE the stage session has ended" \
  test "$(ivs get-stage-session --stage-arn "$wstage" --session-id "$wsid" | jget 'str("endTime" in d["stageSession"])')" = "True"
check "list-participant-events ends with PUBLISH_STOPPED, LEFT" \
  test "$(ivs list-participant-events --stage-arn "$wstage" --session-id "$wsid" --participant-id "$wpid" | jget '",".join(e["name"] for e in d["events"][-2:])')" = "PUBLISH_STOPPED,LEFT"
check "get-participant of an unknown participant -> ResourceNotFoundException" \
  fails_with ResourceNotFoundException get-participant --stage-arn "$wstage" --session-id "$wsid" \
  --participant-id AbCdEfGh1234
check "get-stage-session of an unknown session -> ResourceNotFoundException" \
  fails_with ResourceNotFoundException get-stage-session --stage-arn "$wstage" --session-id st-AbCdEfGh12345
check "WHIP POST with a bad token -> 401" test "$(whip x.y.z)" = "401"

# tags
ivs tag-resource --resource-arn "$master" --tags a=1,b=2 >/dev/null
ivs untag-resource --resource-arn "$master" --tag-keys a >/dev/null
check "tag-resource / untag-resource / list-tags-for-resource" \
  test "$(ivs list-tags-for-resource --resource-arn "$master" | jget 'json.dumps(d["tags"], sort_keys=True)')" = '{"b": "2"}'


# ---- Emulator fidelity: the gaps the AWS CLI found, each checked the way IVS answers ----
stage_count() { ivs list-stages | jget 'len(d["stages"])'; }
# The CLI checks some constraints itself; this config lets invalid input reach the emulator.
printf '[default]\nparameter_validation = false\n' >"$work/novalidate"
novalidate() { AWS_CONFIG_FILE="$work/novalidate" "$@"; }

# 1. A CreateStage refused with ValidationException creates nothing.
before=$(stage_count)
check "create-stage with a token configuration of duration 0 -> ValidationException" \
  novalidate fails_with ValidationException create-stage --name invalid-0 \
  --participant-token-configurations duration=0,userId=u
check "create-stage with a 129-character userId -> ValidationException" \
  novalidate fails_with ValidationException create-stage --name invalid-1 \
  --participant-token-configurations "[{\"duration\":60,\"userId\":\"$(printf 'u%.0s' $(seq 129))\"}]"
check "create-stage with attributes over 1 KB -> ValidationException" \
  novalidate fails_with ValidationException create-stage --name invalid-2 \
  --participant-token-configurations "[{\"duration\":60,\"userId\":\"u\",\"attributes\":{\"a\":\"$(printf 'x%.0s' $(seq 1100))\"}}]"
check "refused create-stage calls leave no stage behind" test "$(stage_count)" = "$before"

# 3. ListParticipants: filterByPublished false is the model's default, i.e. no filter.
msession=$(ivs get-stage --arn "$master" | jget 'd["stage"]["activeSessionId"]')
gtok=$(ivs create-participant-token --stage-arn "$master" --user-id guest | jget 'd["participantToken"]["token"]')
control join "{\"stageArn\":\"$master\",\"token\":\"$gtok\"}" >/dev/null
lp() { ivs list-participants --stage-arn "$master" --session-id "$msession" "$@" | jget '",".join(sorted(p["userId"] for p in d["participants"]))'; }
check "list-participants --no-filter-by-published lists publishers and the rest" test "$(lp --no-filter-by-published)" = "guest,host"
check "list-participants --filter-by-published lists the publisher only" test "$(lp --filter-by-published)" = "host"
check "list-participants --filter-by-user-id with --no-filter-by-published filters by user" \
  test "$(lp --filter-by-user-id guest --no-filter-by-published)" = "guest"
check "list-participants --filter-by-user-id with --filter-by-published -> ValidationException" \
  fails_with ValidationException list-participants --stage-arn "$master" --session-id "$msession" \
  --filter-by-user-id host --filter-by-published

# 4. autoParticipantRecordingConfiguration is stored and returned.
storage=arn:aws:ivs:us-east-1:123456789012:storage-configuration/AbCdEfGh1234
recording() { ivs get-stage --arn "$1" | jget 'd["stage"]["autoParticipantRecordingConfiguration"]["storageConfigurationArn"]+"|"+",".join(d["stage"]["autoParticipantRecordingConfiguration"]["mediaTypes"])'; }
rarn=$(ivs create-stage --name recorded --auto-participant-recording-configuration \
  "storageConfigurationArn=$storage,mediaTypes=AUDIO_VIDEO" | jget 'd["stage"]["arn"]')
check "create-stage stores autoParticipantRecordingConfiguration; get-stage returns it" \
  test "$(recording "$rarn")" = "$storage|AUDIO_VIDEO"
ivs update-stage --arn "$wstage" --auto-participant-recording-configuration \
  "storageConfigurationArn=$storage,mediaTypes=AUDIO_ONLY" >/dev/null
check "update-stage stores autoParticipantRecordingConfiguration" test "$(recording "$wstage")" = "$storage|AUDIO_ONLY"
check "a recording configuration naming no storage configuration ARN -> ValidationException" \
  fails_with ValidationException create-stage --name bad-recording \
  --auto-participant-recording-configuration "storageConfigurationArn=$master"

# 5. SigV4 errors by their REST-JSON names (status and x-amzn-ErrorType read with curl).
# Prints "<status> <x-amzn-ErrorType> <message>" of a POST /ListStages with the given curl options.
raw_list() {
  curl -s -o "$work/auth.json" -D "$work/auth.h" -X POST "$EP/ListStages" \
    -H 'content-type: application/json' -d '{}' "$@"
  echo "$(awk 'NR==1{print $2}' "$work/auth.h") $(grep -i '^x-amzn-ErrorType:' "$work/auth.h" | tr -d '\r' | awk '{print $2}') $(jget 'd["message"]' <"$work/auth.json")"
}
regional() { AWS_DEFAULT_REGION=eu-west-1 AWS_REGION=eu-west-1 "$@"; }
check "a signature scoped to another region: CLI -> InvalidSignatureException" \
  regional fails_with InvalidSignatureException list-stages
check "a signature scoped to another region -> 403 InvalidSignatureException" \
  grep -q '^403 InvalidSignatureException ' <<<"$(raw_list --aws-sigv4 aws:amz:eu-west-1:ivs --user test:test)"
unknown_key() { AWS_ACCESS_KEY_ID=AKIAUNKNOWNKEY000000 "$@"; }
check "an unknown access key: CLI -> UnrecognizedClientException" \
  unknown_key fails_with UnrecognizedClientException list-stages
check "an unknown access key -> 403 UnrecognizedClientException" \
  grep -q '^403 UnrecognizedClientException ' <<<"$(raw_list --aws-sigv4 aws:amz:us-east-1:ivs --user AKIAUNKNOWNKEY000000:test)"
check "no Authorization -> 403 MissingAuthenticationTokenException" \
  grep -q '^403 MissingAuthenticationTokenException ' <<<"$(raw_list)"
# botocore (the CLI's signer) signs a request at a chosen time; curl sends it (raw_list adds
# the content-type header).
signed_at() {
  local host=${EP#http://}
  printf '[{"method":"POST","host":"%s","path":"/ListStages","query":"","headers":[["content-type","application/json"]],"body":"{}","region":"us-east-1","service":"ivs","timestamp":"%s","access_key_id":"test","secret_access_key":"test","session_token":""}]' \
    "$host" "$(date -u -d "$1" +%Y%m%dT%H%M%SZ)" >"$work/sign.json"
  python3 "$here/botocore_sigv4_check.py" "$work/sign.json" >"$work/signed.json"
  local args=()
  while IFS= read -r h; do args+=(-H "$h"); done < <(jget '"\n".join(k+": "+v for k,v in d[0]["headers"] if k != "content-type")' <"$work/signed.json")
  raw_list "${args[@]}"
}
check "botocore signing by hand is accepted (control)" grep -q '^200 ' <<<"$(signed_at now)"
check "a signature 20 minutes old -> 403 InvalidSignatureException \"Signature expired\"" \
  grep -q '^403 InvalidSignatureException Signature expired' <<<"$(signed_at '-20 min')"
check "a signature 20 minutes ahead -> 403 InvalidSignatureException \"Signature not yet current\"" \
  grep -q '^403 InvalidSignatureException Signature not yet current' <<<"$(signed_at '+20 min')"

# 6. Tag keys with the reserved aws: prefix are refused.
before=$(stage_count)
check "create-stage with an aws: tag key -> ValidationException" \
  fails_with ValidationException create-stage --name aws-tag --tags aws:team=x
check "the refused create-stage leaves no stage behind" test "$(stage_count)" = "$before"
check "tag-resource with an aws: tag key -> ValidationException" \
  fails_with ValidationException tag-resource --resource-arn "$master" --tags aws:team=x
check "the refused tag-resource leaves the tags as they were" \
  test "$(ivs list-tags-for-resource --resource-arn "$master" | jget 'json.dumps(d["tags"], sort_keys=True)')" = '{"b": "2"}'

# 7. Malformed requests on a raw socket get an HTTP answer. Prints the status (or "none").
raw_status() {
  local hp=${EP#http://}
  exec 3<>"/dev/tcp/${hp%:*}/${hp##*:}"
  cat >&3
  timeout 5 cat <&3 >"$work/raw.out" || true
  exec 3<&- 3>&-
  awk 'NR==1 && /^HTTP\/1\.[01] /{print $2; found=1} END{if(!found) print "none"}' "$work/raw.out"
}
hosthdr="Host: ${EP#http://}"
check "a 20 KB header -> 431" test "$( { printf 'POST /ListStages HTTP/1.1\r\n%s\r\nX-Big: ' "$hosthdr"; printf 'a%.0s' $(seq 20480); printf '\r\n\r\n'; } | raw_status)" = "431"
check "Content-Length: -1 -> 400" test "$(printf 'POST /ListStages HTTP/1.1\r\n%s\r\nContent-Length: -1\r\n\r\n{}' "$hosthdr" | raw_status)" = "400"
check "an HTTP/0.9 request line -> 400" test "$(printf 'GET /ListStages\r\n' | raw_status)" = "400"
check "TLS ClientHello bytes -> 400" \
  test "$( { printf '\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03'; head -c 32 /dev/urandom; printf '\x00\x00\x02\x13\x01\x01\x00'; } | raw_status)" = "400"
printf 'POST /ListStages HTTP/1.1\r\n%s\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\n\r\n{' "$hosthdr" | raw_status >"$work/413.status"
check "an oversized body -> 413 with exceptionMessage in the JSON body" \
  test "$(cat "$work/413.status")|$(sed '1,/^\r$/d' "$work/raw.out" | jget 'bool(d.get("exceptionMessage"))')" = "413|True"

# 8. CreateParticipantToken's token has IVS's shape.
ivs create-participant-token --stage-arn "$master" --user-id shape --capabilities SUBSCRIBE >"$work/shape.json"
# Prints one part of the JWT (0 header, 1 payload) as JSON with sorted keys, or the signature length (2).
jwt_part() {
  jget 'd["participantToken"]["token"]' <"$work/shape.json" | python3 -c '
import base64, json, sys
part = sys.stdin.read().strip().split(".")[int(sys.argv[1])]
raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
print(len(raw) if sys.argv[1] == "2" else json.dumps(json.loads(raw), sort_keys=True))' "$1"
}
check "the token header is {alg ES384, typ JWT, kid: a public-key ARN}" \
  python3 -c 'import json,re,sys; h=json.loads(sys.argv[1]); sys.exit(not (sorted(h)==["alg","kid","typ"] and h["alg"]=="ES384" and h["typ"]=="JWT" and re.fullmatch(r"arn:aws:ivs:us-east-1:\d{12}:public-key/[A-Za-z0-9]+", h["kid"])))' "$(jwt_part 0)"
check "the token signature is raw r||s (96 bytes)" test "$(jwt_part 2)" = "96"
check "the token payload: version 1.0, both capabilities written, the stage and the user" \
  test "$(jwt_part 1 | jget 'd["version"]+"|"+json.dumps(d["capabilities"], sort_keys=True)+"|"+d["resource"]+"|"+d["user_id"]+"|"+d["jti"]')" \
  = "1.0|{\"allow_publish\": false, \"allow_subscribe\": true}|$master|shape|$(jget 'd["participantToken"]["participantId"]' <"$work/shape.json")"

# 9. The standalone emulator's log carries none of the server's warnings.
check "the emulator log has no MAX_STAGES/replication warning" bash -c "! grep -q -e MAX_STAGES -e FANOUT_MODE '$EMU_DIR/out'"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
