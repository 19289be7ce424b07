#!/bin/sh
# Client: sends `Linvo` to `title` and prints the result (5). Usage: title_client.sh [HOST [PORT]]
gearman -h "${1:-localhost}" -p "${2:-4730}" -f title Linvo && echo
