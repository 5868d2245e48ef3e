#!/bin/bash
# Submit the scaling study at 8-512 ranks: every problem of benchmarks/problem_scaling.py, strong
# scaling on a mesh SCALE_STRONG × the 1-rank benchmark's element size (0.25: 16× its unknowns in
# 2-D, 64× in 3-D, so that 512 ranks still hold ~3e3-1e4 unknowns each) and weak scaling with the
# 1-rank benchmark's unknowns per rank (2e7 cells at 512 ranks: gmsh meshes them on rank 0, minutes;
# the particle and the plate refine in parallel instead when geometry.refine is raised).
#   benchmarks/slurm/submit_scaling.sh out/scaling [8 16 32 64 128 256 512]
#   python3 benchmarks/problem_scaling.py --collect out/scaling
set -euo pipefail
outdir=${1:?usage: submit_scaling.sh OUTDIR [RANKS ...]}
shift
ranks=("$@")
[ ${#ranks[@]} -eq 0 ] && ranks=(8 16 32 64 128 256 512)
here=$(dirname "$0")
for problem in particle_fracture notched_plate plating_phase_field; do
    for n in "${ranks[@]}"; do
        # SCALE reaches the job through the environment (sbatch's default --export=ALL)
        SCALE=${SCALE_STRONG:-0.25} sbatch --ntasks="$n" "$here/scaling.sbatch" "$problem" strong "$outdir"
        SCALE=1.0 sbatch --ntasks="$n" "$here/scaling.sbatch" "$problem" weak "$outdir"
    done
done
