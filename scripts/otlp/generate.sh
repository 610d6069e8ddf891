#!/usr/bin/env bash
# Regenerates Sources/SIEMOTLP/Generated/*.pb.swift from the OTLP .proto files in proto/.
# The output is committed: builds never run protoc. Rerun this after changing a .proto file.
#
# Needs protoc (Debian: apt-get install protobuf-compiler) and protoc-gen-swift of the
# swift-protobuf version Package.swift names; PROTOC_GEN_SWIFT=path picks a built plugin,
# otherwise it is built from swift-protobuf 1.39.0 into /tmp (about ten minutes the first time).
set -euo pipefail
cd "$(dirname "$0")/../.."
SWIFT_PROTOBUF_VERSION=1.39.0
PROTO_ROOT=scripts/otlp/proto
OUT=Sources/SIEMOTLP/Generated

if [ -z "${PROTOC_GEN_SWIFT:-}" ]; then
  checkout=/tmp/swift-protobuf-$SWIFT_PROTOBUF_VERSION
  if [ ! -d "$checkout" ]; then
    git clone -q --branch "$SWIFT_PROTOBUF_VERSION" https://github.com/apple/swift-protobuf.git "$checkout"
  fi
  swift build -c release --product protoc-gen-swift --package-path "$checkout" \
    --scratch-path /tmp/.build-protoc-gen-swift
  PROTOC_GEN_SWIFT=/tmp/.build-protoc-gen-swift/release/protoc-gen-swift
fi

rm -rf "$OUT"
mkdir -p "$OUT"
protoc --plugin=protoc-gen-swift="$PROTOC_GEN_SWIFT" -I "$PROTO_ROOT" \
  --swift_out="$OUT" --swift_opt=Visibility=Internal --swift_opt=FileNaming=DropPath \
  opentelemetry/proto/common/v1/common.proto \
  opentelemetry/proto/resource/v1/resource.proto \
  opentelemetry/proto/logs/v1/logs.proto \
  opentelemetry/proto/collector/logs/v1/logs_service.proto

# The CI lints Sources with swift format; generated code is not ours to format.
for file in "$OUT"/*.pb.swift; do
  { echo "// swift-format-ignore-file"; grep -vx "// swift-format-ignore-file" "$file"; } > "$file.tmp"
  mv "$file.tmp" "$file"
done
echo "generated: $(ls "$OUT")"
