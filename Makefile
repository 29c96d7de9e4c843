# CiliumL7 — the verbs a newcomer guesses. Everything lands in bin/.
SHELL := /bin/bash
CONFIG ?= Release
BIN := $(CURDIR)/bin
BPF_SRC := $(wildcard bpf/*.c)
BPF_OBJ := $(patsubst bpf/%.c,$(BIN)/bpf/%.o,$(BPF_SRC))
BPF_HDR := $(wildcard bpf/include/*.h bpf/lib/*.h)
BPF_MULTIARCH := -idirafter /usr/include/$(shell uname -m)-linux-gnu
DOTNET_FLAGS := -c $(CONFIG) --nologo -v quiet -clp:ErrorsOnly

.PHONY: all build bootstrap bpf kafka-mock dotnet image test demo run bench bench-quick fuzz clean

all: build

## bootstrap: install what a fresh Debian 12 machine lacks (no-op when present)
bootstrap:
	@bash scripts/bootstrap.sh

## build: bin/ciliuml7, bin/ciliuml7-agent, bin/ciliuml7-cni, bin/bpf/*.o, bin/ciliuml7-kafka-mock
build: bootstrap bpf dotnet kafka-mock

bpf: $(BPF_OBJ)

$(BIN)/bpf/%.o: bpf/%.c $(BPF_HDR)
	@mkdir -p $(BIN)/bpf
	@echo "  CLANG   $<"
	@clang -O2 -g -Wall -Werror -target bpf -D__TARGET_ARCH_x86 -I bpf/include -I bpf/lib $(BPF_MULTIARCH) -c $< -o $@

## kafka-mock: librdkafka's mock cluster as a one-broker Kafka (examples/kafka, tests, perf)
kafka-mock: $(BIN)/ciliuml7-kafka-mock

$(BIN)/ciliuml7-kafka-mock: examples/kafka/mock-broker.c
	@mkdir -p $(BIN)
	@echo "  CLANG   $<"
	@clang -O2 -Wall -Werror -o $@ $< -lrdkafka -lpthread

dotnet:
	@echo "  DOTNET  restore + publish (bin/)"
	@dotnet restore CiliumL7.sln --nologo -v quiet
	@dotnet build CiliumL7.sln $(DOTNET_FLAGS) --no-restore
	@for p in src/Cli src/Agent src/Cni src/Demo; do \
		dotnet publish $$p $(DOTNET_FLAGS) --no-restore --no-build -o $(BIN) || exit 1; \
	done
	@echo "  OK      $$(ls $(BIN) | grep -E '^ciliuml7(-agent|-cni)?$$' | tr '\n' ' ')$(if $(BPF_OBJ),+ bpf objects)"

## image: bin/ciliuml7-image.tar, the OCI image the Kubernetes DaemonSet runs (podman load -i …)
image: build
	@bash deploy/image/build.sh

## test: every test project; the last line is "N passed, N failed[, N skipped]"
test: build image
	@bash scripts/run-tests.sh

## demo: the Death Star tutorial on this host (root)
demo: build
	@bash scripts/demo.sh

## run: the tutorial's world, left running (Ctrl-C tears it down)
run: build
	@bash scripts/run.sh

## fuzz: each fuzz target for FUZZ_SECONDS (default 60); not part of `make test`
fuzz:
	@bash fuzz/run.sh

bench-quick: build
	@bash perf/run.sh --quick

bench: build
	@bash perf/run.sh

clean:
	rm -rf $(BIN) artifacts
	find src tests perf -type d \( -name bin -o -name obj \) -prune -exec rm -rf {} +
