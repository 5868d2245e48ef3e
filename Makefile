# battchem: every entry point. On a machine without FEniCSx, commands run inside the podman image
# (built on first use, host tools installed via apt); with FEniCSx present they run natively.
#   make demo      3-D particle at 2C extraction and a cracking disk, with pictures (out/demo*)
#   make test      CI suite: serial pytest + mpirun -n 2 pass of the tests marked mpi
SHELL := /bin/bash
RUN := containers/run
PYTEST := python3 -m pytest -p no:cacheprovider
NP ?= 2
DEMO_INPUT ?= problems/demo_particle_sphere_2C.yaml
DEMO_OUT ?= out/demo
DEMO_CRACK_INPUT ?= problems/demo_particle_disk_crack.yaml
DEMO_CRACK_OUT ?= out/demo_crack
export CONTAINERS_CONF := $(CURDIR)/containers/containers.conf

.PHONY: help setup image sif demo test test-serial test-mpi test-all test-hpc bench bench-quick fracture-map crack-map shell clean distclean gold

help:
	@sed -n '2,5p' Makefile | sed 's/^# \{0,1\}//'
	@echo "targets: setup image sif demo test test-all test-mpi bench bench-quick fracture-map shell clean"

# Host tools (podman, mmdebstrap) and the image, unless FEniCSx is already importable here.
setup:
	@if python3 -c "import dolfinx" >/dev/null 2>&1; then echo "setup: using the native FEniCSx"; \
	else containers/setup-host && containers/build-image --if-missing; fi

image:
	containers/setup-host
	containers/build-image

# Apptainer image for clusters (needs apptainer on this machine; see README "HPC").
sif: image
	mkdir -p build
	podman save --format oci-archive -o build/battchem.oci.tar localhost/battchem:latest
	apptainer build --force build/battchem.sif containers/apptainer.def

demo: setup
	$(RUN) mpirun -n $(NP) battchem run $(DEMO_INPUT) -o $(DEMO_OUT) --overwrite
	$(RUN) mpirun -n $(NP) battchem run $(DEMO_CRACK_INPUT) -o $(DEMO_CRACK_OUT) --overwrite

test: setup
	$(RUN) $(PYTEST) -m "not slow" --timeout=900 tests
	$(RUN) mpirun -n $(NP) $(PYTEST) -m "mpi and not slow" --timeout=900 tests

test-serial: setup
	$(RUN) $(PYTEST) -m "not slow" --timeout=900 tests

test-mpi: setup
	$(RUN) mpirun -n $(NP) $(PYTEST) -m "mpi and not slow" --timeout=900 tests

# The cluster path: the image plus Slurm (containers/Containerfile.hpc), a one-node cluster started
# inside it, the shipped sbatch scripts submitted with sbatch --wait and run with srun --mpi=pmix.
test-hpc: setup
	podman build -q -f containers/Containerfile.hpc -t localhost/battchem-hpc:latest . >/dev/null
	IMAGE=localhost/battchem-hpc:latest BATTCHEM_CONTAINER=1 $(RUN) bash -c \
	  "containers/slurm/one-node-cluster && $(PYTEST) -m hpc --timeout=1800 tests/hpc"

test-all: setup
	$(RUN) $(PYTEST) --timeout=3600 tests
	$(RUN) mpirun -n $(NP) $(PYTEST) -m mpi --timeout=3600 tests

# Regenerate the committed gold outputs (review the diff before committing!).
gold: setup
	$(RUN) python3 tests/regression/make_gold.py

bench: setup
	$(RUN) python3 benchmarks/run_all.py

# one-minute check that the benchmark scripts work (numbers meaningless)
bench-quick: setup
	$(RUN) python3 benchmarks/run_all.py --quick

# radius x C-rate fracture map as a study (problems/particle_disk_fracture_map.yaml, its sweep block):
# 2 rank groups of 1 rank, runs kept in out/fracture_map/cases, table and map in out/fracture_map
fracture-map: setup
	$(RUN) mpirun -n $(NP) battchem sweep problems/particle_disk_fracture_map.yaml -o out/fracture_map --groups $(NP)

# growth rate x electrolyte toughness map of the time to first cracking (problems/interphase_crack_map.yaml):
# 9 runs of 6-10 s, table and map (crack_map.csv, crack_map.png) in out/interphase_crack_map
crack-map: setup
	$(RUN) mpirun -n $(NP) battchem sweep problems/interphase_crack_map.yaml -o out/interphase_crack_map --groups $(NP)

shell: setup
	$(RUN) bash

clean:
	rm -rf out .scratch build .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# also drop the image and the JIT cache
distclean: clean
	-podman rmi -f localhost/battchem:latest
	rm -rf $${XDG_CACHE_HOME:-$$HOME/.cache}/battchem-image
