// Command linkup runs and operates a linkup chat node.
//
//	linkup serve    [--addr 127.0.0.1:8080] [--data ./linkup-data] [--store embedded|esdb] [--esdb-url esdb://...]
//	linkup token    [--data ./linkup-data] --user ID [--role analyst] [--ttl 24h]
//	linkup replay   timeline|state|diff ...
//	linkup projections status|rebuild ...
//
// Every flag also reads the environment variable LINKUP_<FLAG> (dashes
// become underscores: --esdb-url reads LINKUP_ESDB_URL); flags win. main
// stays thin: each subcommand lives in its own file and wires the packages
// together.
package main
