# shopmesh: `make run` starts the mesh locally, `make test` checks everything.
SHELL := /bin/bash
.DEFAULT_GOAL := help
NPM_BIN := node_modules/.bin
export PATH := $(CURDIR)/$(NPM_BIN):$(PATH)

.PHONY: help install tools build gen lint typecheck test run sim sim-autoscale bench bench-start bench-memory bench-cache bench-events bench-edge image image-test image-clean clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/'

# What `git status` said when make started (one entry per tab), so a step can name the files it
# changed itself and leave a developer's own edits alone.
TREE_AT_START := $(shell git status --porcelain 2>/dev/null | tr '\n' '\t')

# $(call tree-unchanged,STEP): fail, naming the files, when STEP changed the working tree.
define tree-unchanged
	@changed="$$(comm -13 <(printf '%s' '$(TREE_AT_START)' | tr '\t' '\n' | sort) \
	  <(git status --porcelain 2>/dev/null | sort))"; \
	if [ -n "$$changed" ]; then \
	  printf '%s changed the working tree (git status --porcelain):\n%s\n' '$(1)' "$$changed" >&2; \
	  exit 1; \
	fi
endef

# Reinstall only when the manifest or the lockfile changed. `npm ci` installs exactly what the
# committed lockfile says and never rewrites it; the stamp is written only when the install left
# the tree as it found it. To add or bump a dependency, see README "Development".
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	$(call tree-unchanged,the install (npm ci))
	@touch $@

install: node_modules/.installed ## install dependencies (npm registry only)

tools: ## dnsmasq (cluster simulation), h2load (benchmarks), nats-server (events), chromium (storefront test) from Debian, when missing
	deploy/tools/ensure-debian-tools.sh

build: install ## compile services, CLI and local runner to dist/ (incremental), bundle the services and the storefront
	tsc -b tsconfig.build.json
	node deploy/tools/bundle-services.mjs
	node storefront/build.mjs

gen: install ## regenerate services/gen from proto/ (buf + protoc-gen-es)
	buf generate

lint: install ## biome (format + lint, generated code excluded), buf lint, buf breaking against main
	biome check .
	buf lint
	deploy/tools/buf-breaking.sh

typecheck: install ## strict type check of everything, tests included (the storefront page too)
	tsc -p tsconfig.json
	tsc -p storefront/tsconfig.json

# The checks and the build side by side (each is one process on one core: two tsc passes are most
# of it), each one's output kept together; then the tests, which need the build.
test: install tools ## everything CI runs: types, lint, buf lint and breaking, all tests
	$(MAKE) --no-print-directory --jobs=3 --output-sync=target typecheck lint build
	vitest run
	$(call tree-unchanged,make test)

run: build ## start nats-server, PostgreSQL (embedded), the three services and the edge; Ctrl-C stops all
	deploy/tools/ensure-debian-tools.sh nats-server
	node dist/deploy/local/run.js

sim: build tools ## the cluster simulation: replicas on 127.0.x.y found through DNS; Ctrl-C stops
	$(if $(SIM_IMAGE),CONTAINER_TOOL=$${CONTAINER_TOOL:-$$(deploy/image/container-tool.sh)} SIM_IMAGE=$(SIM_IMAGE)) \
	  node dist/deploy/sim/run.js

sim-autoscale: build tools ## the chart's HPAs, simulated, under a ramp of `shopmesh load`: table + SVG (~2.5 min)
	node dist/deploy/sim/autoscale-run.js

bench: build tools ## benchmarks: each case against a bare grpc-js floor, ratios last (~13 min)
	node dist/bench/run.js

bench-start: build ## start to SERVING of each service, telemetry on and off, 7 starts each (~1 min)
	node dist/bench/start-time-run.js

bench-memory: build tools ## peak RSS of each service under load, the chart's NODE_OPTIONS against none, in turn (~3 min)
	node dist/bench/memory-run.js chart none

bench-edge: build tools ## only the edge's cases: GetProduct direct and through the edge, in turn; writes bench/edge-memory.json (~3 min)
	node dist/bench/edge-run.js

bench-events: build tools ## only the order events' cases: CreateOrder relay off/on, commit -> effect lag (~4 min)
	node dist/bench/events-run.js

bench-cache: build ## the read cache's staleness: commit -> 3 replicas serve it, p50/p99 (~1 min)
	node dist/bench/cache-staleness.js

# The container image (README: "Build and push the image"). CONTAINER_TOOL: podman or docker; unset,
# the first whose engine answers (`docker info`/`podman info`), not merely a binary on PATH.
CONTAINER_TOOL ?=
IMAGE ?= shopmesh:$(shell node -p "require('./package.json').version")
# pinned (the Dockerfile's digest), stand-in (built here from Debian + npm), auto, or a reference
BASE_IMAGE ?= pinned
image: ## build the container image: make image IMAGE=registry/shopmesh:tag [BASE_IMAGE=stand-in]
	CONTAINER_TOOL=$(CONTAINER_TOOL) BASE_IMAGE=$(BASE_IMAGE) deploy/image/build-image.sh $(IMAGE)

image-test: build ## build the image, run the services and the sim from it (warm ~4, cold ~8 min)
	CONTAINER_TOOL=$(CONTAINER_TOOL) deploy/image/image-test.sh

image-clean: ## remove the base stand-in and the build cache image-test keeps for the next run
	CONTAINER_TOOL=$(CONTAINER_TOOL) deploy/image/image-test.sh --clean

clean: ## remove build output (keeps .data, the local database)
	rm -rf dist
