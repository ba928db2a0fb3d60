# Every target that needs PostgreSQL finds one through .ci/with-postgres:
# $DATABASE_URL / $TEST_DATABASE_URL, else 127.0.0.1:5432, else a throwaway cluster.
GO       ?= go
SQLC     ?= $(GO) run github.com/sqlc-dev/sqlc/cmd/sqlc@v1.31.1
PG        = .ci/with-postgres
BENCHTIME ?= 1x
FUZZTIME  ?= 10s

.PHONY: build test demo bench fuzz vet fmt-check sqlc sqlc-check docker

build:
	$(GO) build -o bin/healthbot ./cmd/healthbot

# Most tests wait on PostgreSQL rather than compute, so more of them run at
# once than go test's default (one per CPU); TEST_PARALLEL=2 restores it.
# 4: on this 2-core machine (a set of cmd/healthbot's database tests, one
# compiled binary) 2 took 140 s, 4 117 s, 8 91 s at load 25, and 4 74 s,
# 8 72 s, 16 68 s at load 19: past 4 the gain is within the noise, and
# every parallel test holds its own schema's pool (up to 8 connections)
# and often a Main's, against a server that allows 100 for everyone.
TEST_PARALLEL ?= 4
# The race runtime sleeps atexit_sleep_ms (default 1000) before a binary
# exits, to catch goroutines still racing: a second for each of the ~35
# test binaries, on a run that is CPU-bound. Tests end their goroutines
# before they return, so 10 ms is enough (https://go.dev/doc/articles/race_detector#Options).
GORACE ?= atexit_sleep_ms=10
test: vet fmt-check
	GORACE="$(GORACE)" $(PG) TEST_DATABASE_URL $(GO) test -race -count=1 -parallel $(TEST_PARALLEL) -timeout 30m ./...

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

# make demo DEMO_ARGS="--seed 7 --accounts 500" passes flags to healthbot demo.
DEMO_ARGS ?=
demo: build
	$(PG) DATABASE_URL ./bin/healthbot demo --migrate $(DEMO_ARGS)

bench:
	$(PG) TEST_DATABASE_URL $(GO) test -run '^$$' -bench . -benchtime $(BENCHTIME) -benchmem -timeout 120m ./...

# Runs every Go fuzzer (func FuzzXxx in a _test.go file) for FUZZTIME each;
# their seed corpora already run as part of make test.
fuzz:
	@set -e; for f in $$(grep -rl --include='*_test.go' '^func Fuzz' . | sort); do \
	  pkg=$$(dirname $$f); \
	  for fz in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' $$f); do \
	    echo "fuzz: $$pkg $$fz ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$fz\$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

sqlc:
	cd store && $(SQLC) generate

sqlc-check:
	cd store && $(SQLC) diff

docker:
	docker build -t healthbot .
