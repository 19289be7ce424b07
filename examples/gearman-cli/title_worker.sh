#!/bin/sh
# Worker for `title` with the gearman command-line tool: each job's workload goes to `wc -c`,
# whose output is the result. Usage: title_worker.sh [HOST [PORT]]
exec gearman -h "${1:-localhost}" -p "${2:-4730}" -w -f title -- sh -c 'printf "%s" "$(wc -c)"'
