# Sourced by the project's scripts: where things live and which toolchain to use.
# Everything downloaded, provisioned or written at run time goes under $LOCAL (git-ignored).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="${SEGMENTATION_HOME:-$ROOT/.local}"
LOGS="$LOCAL/logs"
# Downloads (Kafka jars, the registry) are shared by every instance, including the private
# brokers and registries that tests start under their own SEGMENTATION_HOME.
CACHE="${SEGMENTATION_CACHE:-$ROOT/.local/cache}"

NODE_VERSION=24.21.0   # pinned Node.js used when the machine's own is older than NODE_MIN
NODE_MIN=22.22.0       # oldest Node.js the toolchain accepts (testcontainers 12, vitest 5)
PNPM_VERSION=10.34.8

mkdir -p "$LOCAL" "$LOGS" "$CACHE"
export PATH="$LOCAL/node/bin:$LOCAL/pnpm/node_modules/.bin:$PATH"

say() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# version_ge A B: true when dotted version A >= B.
version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }
