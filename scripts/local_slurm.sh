#!/usr/bin/env bash
# A real single-node SLURM cluster on this machine, so the tests and benchmarks submit array
# jobs through the real `sbatch` (issue 17). Debian's slurm-wlm and munge, run as root, with
# no cgroups (proctrack/linuxproc, task/none), so it also starts inside a container.
#
# usage: scripts/local_slurm.sh start|stop|status
#   start   install the packages if missing, start munged, slurmctld and slurmd, wait until the
#           node is idle; a no-op when the cluster already runs
#   stop    cancel the cluster's jobs, then end exactly the daemons `start` started (by PID)
#   status  print each daemon's state, `conf=<slurm.conf>` and sinfo; exit 3 when not running
#
# Everything lives in $STEERLANG_SLURM_DIR (default /var/lib/steerlang-slurm): slurm.conf,
# the daemons' pid files, state, spool and logs (log/). Clients find the cluster through
# /etc/slurm/slurm.conf, a link to that file made when no other configuration is there, or
# through SLURM_CONF=$STEERLANG_SLURM_DIR/slurm.conf.
#
# One such cluster per machine: its daemons listen on SLURM's default ports (6817, 6818).
#
# The node has CPUs=$(nproc) and its partition lets two jobs share a core (OverSubscribe=
# FORCE:2): array tasks that mostly wait on a model server run 2x the core count at once,
# and tasks beyond that queue until a slot frees.
set -euo pipefail

run=${STEERLANG_SLURM_DIR:-/var/lib/steerlang-slurm}
conf=$run/slurm.conf
export SLURM_CONF=$conf
partition=local

die() {
    echo "local_slurm: $*" >&2
    exit "${exit_code:-1}"
}

# alive NAME: is the daemon recorded in $run/NAME.pid running (and still that program)?
alive() {
    local pid
    pid=$(cat "$run/$1.pid" 2>/dev/null) || return 1
    [[ -n $pid && "$(cat "/proc/$pid/comm" 2>/dev/null)" == "$1" ]]
}

munge_works() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }

node_state() { sinfo -h -N -n "$(hostname -s)" -o %T 2>/dev/null || true; }

running() { alive slurmctld && alive slurmd && munge_works; }

# the last lines of each daemon log, without the MPI plugins' start-up noise (no PMIx here)
log_tails() {
    local f
    for f in "$run"/log/*; do
        [[ -s $f ]] && { echo "--- $f (last lines)"; grep -v "mpi/pmix\|MPI:" "$f" | tail -n 8; }
    done
    return 0
}

# failed: show why, end what this start started, and exit
start_failed() {
    log_tails >&2
    stop_daemons >&2
    die "$1; logs in $run/log"
}

install_packages() {
    command -v slurmctld >/dev/null && command -v slurmd >/dev/null \
        && command -v sbatch >/dev/null && command -v munged >/dev/null && return 0
    exit_code=2
    [[ $EUID -eq 0 ]] || die "slurm-wlm and munge are not installed and installing needs root: run as root, or apt-get install slurm-wlm munge"
    command -v apt-get >/dev/null || die "slurm-wlm and munge are not installed and there is no apt-get here: install SLURM and munge with this system's package manager"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null \
        || die "apt-get install slurm-wlm munge failed (see its output above)"
    exit_code=1
}

# munged as the munge user, unless a working munged (the system's or ours) already answers
start_munge() {
    munge_works && return 0
    local key=/etc/munge/munge.key
    if [[ ! -s $key ]]; then
        install -d -o munge -g munge -m 0700 /etc/munge
        head -c 1024 /dev/urandom >"$key"
        chown munge:munge "$key"
        chmod 400 "$key"
    fi
    install -d -o munge -g munge -m 0755 /run/munge
    install -d -o munge -g munge -m 0700 /var/lib/munge /var/log/munge
    rm -f /run/munge/munged.pid
    setpriv --reuid=munge --regid=munge --init-groups \
        munged --pid-file=/run/munge/munged.pid >"$run/log/munged.out" 2>&1 \
        || die "munged did not start: $(tail -n 3 "$run/log/munged.out" | tr '\n' ' ')"
    for _ in $(seq 50); do munge_works && break; sleep 0.2; done
    munge_works || die "munged started but does not answer: $(tail -n 3 /var/log/munge/munged.log 2>/dev/null | tr '\n' ' ')"
    cp /run/munge/munged.pid "$run/munged.pid"  # ours: `stop` ends it
}

write_conf() {
    local host mem_mb
    host=$(hostname -s)
    # a little below the machine's memory, or slurmd reports "Low RealMemory" and drains
    mem_mb=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)
    cat >"$conf" <<EOF
# written by steerlang's scripts/local_slurm.sh: a single-node cluster for tests
ClusterName=steerlang
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
SchedulerType=sched/backfill
# start batch jobs (arrays too) as soon as they are submitted, not up to 3 s later
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
StateSaveLocation=$run/state
SlurmdSpoolDir=$run/spool
SlurmctldPidFile=$run/slurmctld.pid
SlurmdPidFile=$run/slurmd.pid
SlurmctldLogFile=$run/log/slurmctld.log
SlurmdLogFile=$run/log/slurmd.log
NodeName=$host CPUs=$(nproc) RealMemory=$mem_mb State=UNKNOWN
PartitionName=$partition Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:2
EOF
    mkdir -p /etc/slurm
    if [[ ! -e /etc/slurm/slurm.conf || "$(readlink /etc/slurm/slurm.conf)" == "$conf" ]]; then
        ln -sfn "$conf" /etc/slurm/slurm.conf
    else
        echo "local_slurm: /etc/slurm/slurm.conf is another cluster's: clients need SLURM_CONF=$conf" >&2
    fi
}

# stop_pid NAME: end the daemon recorded in $run/NAME.pid (TERM, then KILL after 10 s)
stop_pid() {
    if alive "$1"; then
        local pid
        pid=$(cat "$run/$1.pid")
        kill -TERM "$pid"
        for _ in $(seq 50); do alive "$1" || break; sleep 0.2; done
        alive "$1" && kill -KILL "$pid"
        echo "local_slurm: stopped $1 (pid $pid)"
    fi
    rm -f "$run/$1.pid"
}

start() {
    if running; then
        echo "local_slurm: already running ($conf)"
        return 0
    fi
    install_packages
    [[ $EUID -eq 0 ]] || exit_code=2 die "starting munged and slurmd needs root (running as uid $EUID)"
    stop_daemons  # a partial cluster left over (one daemon died): start afresh
    mkdir -p "$run/log"
    rm -rf "$run/state" "$run/spool"
    mkdir -p "$run/state" "$run/spool"
    start_munge
    write_conf
    slurmctld -f "$conf" >"$run/log/slurmctld.out" 2>&1 || start_failed "slurmctld did not start"
    slurmd -f "$conf" >"$run/log/slurmd.out" 2>&1 || start_failed "slurmd did not start"
    for _ in $(seq 150); do
        alive slurmctld || start_failed "slurmctld exited"
        alive slurmd || start_failed "slurmd exited"
        [[ "$(node_state)" == idle ]] && break
        sleep 0.2
    done
    [[ "$(node_state)" == idle ]] \
        || start_failed "the node did not become idle within 30 s (state: '$(node_state)')"
    echo "local_slurm: running, partition '$partition' on $(hostname -s) with $(nproc) CPUs ($conf)"
}

stop_daemons() {
    if alive slurmctld; then
        squeue -h -o %A 2>/dev/null | xargs -r scancel 2>/dev/null || true
        for _ in $(seq 50); do [[ -z "$(squeue -h -o %A 2>/dev/null)" ]] && break; sleep 0.2; done
    fi
    stop_pid slurmd
    stop_pid slurmctld
    stop_pid munged  # only present when `start` started munged
}

status() {
    local name
    for name in munged slurmctld slurmd; do
        if alive "$name"; then
            echo "$name: running (pid $(cat "$run/$name.pid"))"
        elif [[ $name == munged ]] && munge_works; then
            echo "munged: running (not started by this script)"
        else
            echo "$name: stopped"
        fi
    done
    echo "conf=$conf"
    running || return 3
    sinfo
}

case "${1:-}" in
    start) start ;;
    stop) stop_daemons ;;
    status) status ;;
    *) exit_code=2 die "usage: $0 start|stop|status" ;;
esac
