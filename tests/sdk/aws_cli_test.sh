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

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
