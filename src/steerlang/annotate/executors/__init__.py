"""Distributed annotate jobs on datatrove's executors (local processes, Slurm, Ray).

The same work as an inline run, cut into four datatrove steps chained with
datatrove's own job dependencies (`depends=`):

    annotate (N ranks) ─► check (1) ─► write (N ranks) ─► merge (1)

`shares` decides which episodes (whole video files) and shards a rank takes,
`work` is each step's body — the functions of `annotate.run` applied to a share —
`steps` wraps them as datatrove `PipelineStep`s, `job` is what the steps share on
disk, and `launch` (with `local_watch`, `slurm_queue`) submits, waits and reports
like an inline run. Only `steps`, `launch`'s executor builders and the watchers
import datatrove, and only when a distributed kind is chosen; `pip install
'steerlang[distributed]'` brings it (and Ray).

May import what `annotate` may, plus datatrove and ray.
"""
