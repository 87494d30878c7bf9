// Translation unit that builds the lower layers' precompiled header.
