#!/usr/bin/env bash
# Runs every test: unit tests, Pax Exam ITs of each profile, and the multi-process tests
# (crash recovery, real kubectl) against the built distribution.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-prerequisites.sh
mvn -B install "$@"
