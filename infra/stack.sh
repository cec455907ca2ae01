#!/usr/bin/env bash
# Native provisioning of the pipeline's services, for machines without a Docker engine.
#
#   infra/stack.sh up [kafka|registry|redis|connect]...   install (first time) and start, wait until ready
#   infra/stack.sh down [kafka|registry|redis|connect]... stop what this script started
#   infra/stack.sh status                                 what runs where
#
# `up` without names starts kafka, registry and redis; Kafka Connect (change data capture from
# databases, with the Debezium connectors) only when named.
#
# Idempotent: `up` on a running service only checks it. Downloads, data, logs and pids live under
# .local/ (or $SEGMENTATION_HOME). The effective addresses are written to .local/stack.env, which
# ./dev and the test harness read.
#
# Kafka: Apache Kafka 4.x in KRaft combined mode on 127.0.0.1, from Maven Central jars.
# Schema Registry: Apicurio Registry 3.0.x (Confluent-compatible API at /apis/ccompat/v7), storing
#   its schemas in a Kafka topic (KafkaSQL), so they survive restarts as long as Kafka's data does.
# Redis: reuses the server at $REDIS_URL when one answers; otherwise starts Debian's redis-server.
# Kafka Connect: a distributed worker from the broker's Maven Central jars, with the Debezium
#   PostgreSQL and MySQL connectors as a plugin; its REST API on 127.0.0.1:$CONNECT_PORT, its
#   configs, offsets and status in topics of the project's Kafka. Connectors: infra/connect/*.json.
# ClickHouse needs no service: the embedded engine (npm chdb) runs inside the pipeline's process.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

KAFKA_VERSION=4.1.1
APICURIO_VERSION=3.0.9
DEBEZIUM_VERSION=3.6.1.Final
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}"
REGISTRY_PORT="${REGISTRY_PORT:-8081}"
OWN_REDIS_PORT="${OWN_REDIS_PORT:-16379}"   # used only when no Redis answers at $REDIS_URL
KAFKA_HEAP="${KAFKA_HEAP:--Xms256m -Xmx1g}"
REGISTRY_HEAP="${REGISTRY_HEAP:--Xms128m -Xmx512m}"
CONNECT_PORT="${CONNECT_PORT:-8083}"
CONNECT_HEAP="${CONNECT_HEAP:--Xms128m -Xmx512m}"

RUN="$LOCAL/run"
mkdir -p "$RUN"

pid_alive() { [ -f "$RUN/$1.pid" ] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }

# start_daemon NAME LOGFILE CMD...: runs CMD detached, its pid in $RUN/NAME.pid.
start_daemon() {
  local name=$1 log=$2; shift 2
  (cd "$LOCAL" && exec setsid "$@" >>"$log" 2>&1 </dev/null) &
  echo $! >"$RUN/$name.pid"
}

stop_daemon() {
  local name=$1
  pid_alive "$name" || { rm -f "$RUN/$name.pid"; return 0; }
  local pid; pid=$(cat "$RUN/$name.pid")
  kill "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  rm -f "$RUN/$name.pid"
  say "$name stopped"
}

# wait_until NAME LOG SECONDS CHECK...: polls CHECK until it succeeds, the process dies, or time runs out.
wait_until() {
  local name=$1 log=$2 secs=$3; shift 3
  for _ in $(seq 1 $((secs * 2))); do
    "$@" >/dev/null 2>&1 && return 0
    pid_alive "$name" || { tail -n 20 "$log" >&2; die "$name exited during start-up; read $log"; }
    sleep 0.5
  done
  tail -n 20 "$log" >&2
  die "$name not ready after ${secs}s; read $log"
}

require_java() {
  local v
  v=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)
  if [ -z "$v" ] || [ "$v" -lt 17 ]; then
    say "Java 17+ not found: installing openjdk-17-jre-headless"
    (apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless) >"$LOGS/apt-java.log" 2>&1 \
      || die "cannot install Java 17 (read $LOGS/apt-java.log): install a JDK 17+ and re-run"
  fi
}

require_maven() {
  command -v mvn >/dev/null && return 0
  say "Maven not found: installing it with apt-get"
  (apt-get update -qq && apt-get install -y -qq maven) >"$LOGS/apt-maven.log" 2>&1 \
    || die "cannot install Maven (read $LOGS/apt-maven.log): install Maven and re-run"
}

# ---- Kafka -----------------------------------------------------------------------------------
KAFKA_HOME_DIR="$LOCAL/kafka"

install_kafka() {
  local libs="$CACHE/kafka-$KAFKA_VERSION"
  [ -f "$libs/.complete" ] && return 0
  require_maven
  say "kafka: collecting Apache Kafka $KAFKA_VERSION jars from Maven Central (log: $LOGS/kafka-install.log)"
  rm -rf "$libs"
  mvn -B -q -f "$ROOT/infra/maven/kafka/pom.xml" -Dkafka.version="$KAFKA_VERSION" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$libs" \
    >"$LOGS/kafka-install.log" 2>&1 || die "kafka: jar download failed; read $LOGS/kafka-install.log"
  touch "$libs/.complete"
}

kafka_ready() { node --no-warnings "$ROOT/packages/kafka/src/cli/kafka-ready.ts" "127.0.0.1:$KAFKA_PORT"; }

# kafka_tls_files: a CA and a certificate for 127.0.0.1 signed by it, made once with openssl under
# the broker's home. Clients trust the CA (KAFKA_TLS_CA_FILE); the broker trusts it for its own
# inter-broker connections.
kafka_tls_files() {
  local dir="$KAFKA_HOME_DIR/tls"
  [ -f "$dir/broker.pem" ] && return 0
  command -v openssl >/dev/null || die "kafka: KAFKA_TLS needs openssl to make the broker's certificate (apt-get install openssl)"
  mkdir -p "$dir" && chmod 700 "$dir"
  {
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=segmentation local CA" \
      -keyout "$dir/ca.key" -out "$dir/ca.pem"
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$dir/broker.key" -out "$dir/broker.csr"
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$dir/san.ext"
    openssl x509 -req -in "$dir/broker.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -days 3650 \
      -extfile "$dir/san.ext" -out "$dir/broker.crt"
    # Kafka's PEM key store: the unencrypted PKCS#8 key, then the certificate chain.
    openssl pkcs8 -topk8 -nocrypt -in "$dir/broker.key" -out "$dir/broker.pkcs8"
  } >>"$LOGS/kafka.log" 2>&1 || die "kafka: making the TLS certificate failed; read $LOGS/kafka.log"
  cat "$dir/broker.pkcs8" "$dir/broker.crt" "$dir/ca.pem" >"$dir/broker.pem"
  chmod 600 "$dir"/*
}

up_kafka() {
  # A broker made with a SCRAM user is probed as that user, one with TLS over TLS trusting its CA.
  if [ -n "${KAFKA_SASL_USERNAME:-}" ]; then export KAFKA_SASL_MECHANISM=scram-sha-256; fi
  if [ "${KAFKA_TLS:-false}" = true ]; then kafka_tls_files; export KAFKA_TLS_CA_FILE="$KAFKA_HOME_DIR/tls/ca.pem"; fi
  if pid_alive kafka; then wait_until kafka "$LOGS/kafka.log" 60 kafka_ready; say "kafka: running on 127.0.0.1:$KAFKA_PORT"; return; fi
  if kafka_ready; then say "kafka: a broker already answers on 127.0.0.1:$KAFKA_PORT (not started by this checkout); using it"; return; fi
  require_java
  install_kafka
  local cp="$CACHE/kafka-$KAFKA_VERSION/*" props="$KAFKA_HOME_DIR/server.properties"
  # KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD: clients must authenticate with SCRAM-SHA-256 as
  # that user, created when the storage is formatted (a fresh SEGMENTATION_HOME).
  local listener=PLAINTEXT scram=()
  if [ -n "${KAFKA_SASL_USERNAME:-}" ]; then
    [[ "$KAFKA_SASL_USERNAME${KAFKA_SASL_PASSWORD:-}" =~ ^[A-Za-z0-9._-]+$ ]] && [ -n "${KAFKA_SASL_PASSWORD:-}" ] \
      || die "kafka: KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD must both be set, in letters, digits, '.', '_' or '-', for the native broker"
    listener=SASL_PLAINTEXT
    scram=(--add-scram "SCRAM-SHA-256=[name=$KAFKA_SASL_USERNAME,password=$KAFKA_SASL_PASSWORD]")
  fi
  # KAFKA_TLS=true: the listener speaks TLS (SSL, or SASL_SSL with a SCRAM user).
  if [ "${KAFKA_TLS:-false}" = true ]; then listener=${listener/PLAINTEXT/SSL}; fi
  mkdir -p "$KAFKA_HOME_DIR/data"
  touch "$props" && chmod 600 "$props" # it may hold the SCRAM user's password
  cat >"$props" <<EOF
# Written by infra/stack.sh: a single node in KRaft combined mode, on loopback only.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=$listener://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=$listener://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=$listener
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT
log.dirs=$KAFKA_HOME_DIR/data
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=12
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
# Test consumer groups join at once instead of waiting 3 s for more members.
group.initial.rebalance.delay.ms=0
# The pipeline creates its topics itself, with the partition counts it needs.
auto.create.topics.enable=false
EOF
  if [[ "$listener" = SASL_* ]]; then
    cat >>"$props" <<EOF
sasl.enabled.mechanisms=SCRAM-SHA-256
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-256
listener.name.${listener,,}.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$KAFKA_SASL_USERNAME" password="$KAFKA_SASL_PASSWORD";
EOF
  fi
  if [[ "$listener" = *SSL ]]; then
    cat >>"$props" <<EOF
ssl.keystore.type=PEM
ssl.keystore.location=$KAFKA_HOME_DIR/tls/broker.pem
ssl.truststore.type=PEM
ssl.truststore.location=$KAFKA_HOME_DIR/tls/ca.pem
EOF
  fi
  if [ ! -f "$KAFKA_HOME_DIR/data/meta.properties" ]; then
    local cluster_id
    cluster_id=$(java -cp "$cp" kafka.tools.StorageTool random-uuid 2>>"$LOGS/kafka.log" | tail -n1)
    java -cp "$cp" kafka.tools.StorageTool format -t "$cluster_id" -c "$props" "${scram[@]}" >>"$LOGS/kafka.log" 2>&1 \
      || die "kafka: formatting storage failed; read $LOGS/kafka.log"
  fi
  say "kafka: starting on 127.0.0.1:$KAFKA_PORT (log: $LOGS/kafka.log)"
  # shellcheck disable=SC2086
  start_daemon kafka "$LOGS/kafka.log" java $KAFKA_HEAP -XX:+UseG1GC -Djava.awt.headless=true \
    -cp "$cp" kafka.Kafka "$props"
  wait_until kafka "$LOGS/kafka.log" 90 kafka_ready
  say "kafka: ready${KAFKA_TLS_CA_FILE:+ (TLS: clients need KAFKA_TLS=true KAFKA_TLS_CA_FILE=$KAFKA_TLS_CA_FILE)}"
}

# ---- Schema Registry (Apicurio) ----------------------------------------------------------------
REGISTRY_URL="http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7"

install_registry() {
  local app="$CACHE/apicurio-$APICURIO_VERSION"
  [ -f "$app/.complete" ] && return 0
  require_maven
  say "registry: fetching Apicurio Registry $APICURIO_VERSION from Maven Central (log: $LOGS/registry-install.log)"
  rm -rf "$app" && mkdir -p "$app"
  mvn -B -q dependency:copy -Dartifact="io.apicurio:apicurio-registry-app:$APICURIO_VERSION:tar.gz:all" \
    -DoutputDirectory="$app" >"$LOGS/registry-install.log" 2>&1 \
    || die "registry: download failed; read $LOGS/registry-install.log"
  tar -xzf "$app/apicurio-registry-app-$APICURIO_VERSION-all.tar.gz" -C "$app"
  rm -f "$app/apicurio-registry-app-$APICURIO_VERSION-all.tar.gz"
  touch "$app/.complete"
}

registry_ready() { curl -sf "$REGISTRY_URL/subjects" >/dev/null && curl -sf "http://127.0.0.1:$REGISTRY_PORT/health/ready" >/dev/null; }

up_registry() {
  if pid_alive registry; then wait_until registry "$LOGS/registry.log" 90 registry_ready; say "registry: running at $REGISTRY_URL"; return; fi
  if registry_ready; then say "registry: a registry already answers at $REGISTRY_URL (not started by this checkout); using it"; return; fi
  require_java
  install_registry
  kafka_ready || die "registry: it keeps its schemas in Kafka, which is not ready: run infra/stack.sh up kafka"
  say "registry: starting at $REGISTRY_URL (log: $LOGS/registry.log)"
  # shellcheck disable=SC2086
  start_daemon registry "$LOGS/registry.log" java $REGISTRY_HEAP -Djava.awt.headless=true \
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$REGISTRY_PORT" \
    -Dapicurio.storage.kind=kafkasql -Dapicurio.kafkasql.bootstrap.servers="127.0.0.1:$KAFKA_PORT" \
    -jar "$CACHE/apicurio-$APICURIO_VERSION/apicurio-registry-app-$APICURIO_VERSION-runner.jar"
  wait_until registry "$LOGS/registry.log" 120 registry_ready
  say "registry: ready"
}

# ---- Kafka Connect with Debezium -----------------------------------------------------------------
CONNECT_HOME_DIR="$LOCAL/connect"
CONNECT_URL="http://127.0.0.1:$CONNECT_PORT"

# collect_jars NAME POM DIR: the runtime jars of POM into DIR, once.
collect_jars() {
  local name=$1 pom=$2 dir=$3
  [ -f "$dir/.complete" ] && return 0
  require_maven
  say "$name: collecting jars from Maven Central (log: $LOGS/$name-install.log)"
  rm -rf "$dir"
  mvn -B -q -f "$pom" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$dir" \
    >"$LOGS/$name-install.log" 2>&1 || die "$name: jar download failed; read $LOGS/$name-install.log"
  touch "$dir/.complete"
}

# Ready: the REST API answers and the Debezium plugin was loaded.
connect_ready() { curl -sf "$CONNECT_URL/connector-plugins" | grep -q 'io.debezium.connector.postgresql.PostgresConnector'; }

# The worker's and its connectors' clients authenticate as the pipeline's own do.
connect_client_security() {
  [ -n "${KAFKA_SASL_USERNAME:-}" ] || return 0
  local protocol=SASL_PLAINTEXT prefix
  [ "${KAFKA_TLS:-false}" = true ] && protocol=SASL_SSL
  for prefix in "" producer. consumer. admin.; do
    printf '%ssecurity.protocol=%s\n%ssasl.mechanism=SCRAM-SHA-256\n' "$prefix" "$protocol" "$prefix"
    printf '%ssasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="%s" password="%s";\n' \
      "$prefix" "$KAFKA_SASL_USERNAME" "$KAFKA_SASL_PASSWORD"
    if [ "${KAFKA_TLS:-false}" = true ]; then printf '%sssl.truststore.type=PEM\n%sssl.truststore.location=%s\n' "$prefix" "$prefix" "$KAFKA_HOME_DIR/tls/ca.pem"; fi
  done
}

up_connect() {
  if pid_alive connect; then wait_until connect "$LOGS/connect.log" 120 connect_ready; say "connect: running at $CONNECT_URL"; register_connectors; return; fi
  if connect_ready; then say "connect: a Kafka Connect worker with Debezium already answers at $CONNECT_URL (not started by this checkout); using it"; register_connectors; return; fi
  require_java
  collect_jars connect "$ROOT/infra/maven/connect/pom.xml" "$CACHE/connect-$KAFKA_VERSION"
  collect_jars debezium "$ROOT/infra/maven/debezium/pom.xml" "$CACHE/debezium-$DEBEZIUM_VERSION/debezium"
  kafka_ready || die "connect: it keeps its configs and offsets in Kafka, which is not ready: run infra/stack.sh up kafka"
  mkdir -p "$CONNECT_HOME_DIR"
  local props="$CONNECT_HOME_DIR/worker.properties" prefix="${TOPIC_PREFIX:-}"
  touch "$props" && chmod 600 "$props" # it may hold the SCRAM user's password
  cat >"$props" <<EOF
# Written by infra/stack.sh: one Kafka Connect worker in distributed mode, REST on loopback only.
bootstrap.servers=127.0.0.1:$KAFKA_PORT
group.id=${prefix}segmentation-connect
listeners=http://127.0.0.1:$CONNECT_PORT
rest.advertised.host.name=127.0.0.1
plugin.path=$CACHE/debezium-$DEBEZIUM_VERSION
# Plugins found by their service manifests: no half-minute scan of every class at start-up.
plugin.discovery=service_load
# Change events as plain JSON (no embedded schema): ingest's source adapters read them.
key.converter=org.apache.kafka.connect.json.JsonConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
key.converter.schemas.enable=false
value.converter.schemas.enable=false
config.storage.topic=${prefix}connect-configs
offset.storage.topic=${prefix}connect-offsets
status.storage.topic=${prefix}connect-status
config.storage.replication.factor=1
offset.storage.replication.factor=1
status.storage.replication.factor=1
offset.flush.interval.ms=1000
EOF
  connect_client_security >>"$props"
  # Warnings and errors, and what Debezium and the workers say about connectors starting and stopping.
  cat >"$CONNECT_HOME_DIR/log4j2.properties" <<EOF
appender.console.type=Console
appender.console.name=console
appender.console.layout.type=PatternLayout
appender.console.layout.pattern=%d{HH:mm:ss.SSS} %-5level [%t] %logger{1} - %msg%n
rootLogger.level=warn
rootLogger.appenderRef.console.ref=console
logger.debezium.name=io.debezium
logger.debezium.level=info
logger.worker.name=org.apache.kafka.connect.runtime.Worker
logger.worker.level=info
EOF
  say "connect: starting at $CONNECT_URL (log: $LOGS/connect.log)"
  # shellcheck disable=SC2086
  start_daemon connect "$LOGS/connect.log" java $CONNECT_HEAP -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$CONNECT_HOME_DIR/log4j2.properties" -cp "$CACHE/connect-$KAFKA_VERSION/*" org.apache.kafka.connect.cli.ConnectDistributed "$props"
  wait_until connect "$LOGS/connect.log" 180 connect_ready
  say "connect: ready"
  register_connectors
}

# Registers (or updates) each connector of infra/connect/*.json whose ${VARIABLES} are all set;
# names the ones left out and what they miss.
register_connectors() {
  node --no-warnings "$ROOT/packages/kafka/src/cli/connect-register.ts" "$CONNECT_URL" "$ROOT"/infra/connect/*.json
}

# ---- Redis ---------------------------------------------------------------------------------------
EFFECTIVE_REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"

redis_answers() { redis-cli -u "$1" ping 2>/dev/null | grep -q PONG; }

up_redis() {
  if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    say "redis: redis-server not found: installing it with apt-get"
    (apt-get update -qq && apt-get install -y -qq redis-server) >"$LOGS/apt-redis.log" 2>&1 \
      || die "redis: cannot install redis-server (read $LOGS/apt-redis.log); install Redis 7 or set REDIS_URL"
  fi
  if redis_answers "$EFFECTIVE_REDIS_URL"; then
    say "redis: using the server at $EFFECTIVE_REDIS_URL"
    return
  fi
  if [ -n "${REDIS_URL:-}" ] && [ "$REDIS_URL" != "redis://127.0.0.1:$OWN_REDIS_PORT" ]; then
    die "redis: nothing answers at REDIS_URL=$REDIS_URL; start that server, or unset REDIS_URL to let this script start one"
  fi
  EFFECTIVE_REDIS_URL="redis://127.0.0.1:$OWN_REDIS_PORT"
  if ! redis_answers "$EFFECTIVE_REDIS_URL"; then
    mkdir -p "$LOCAL/redis"
    say "redis: starting redis-server on 127.0.0.1:$OWN_REDIS_PORT (log: $LOGS/redis.log)"
    # noeviction: the state must never vanish silently. AOF: state survives a restart of this server.
    start_daemon redis "$LOGS/redis.log" redis-server --bind 127.0.0.1 --port "$OWN_REDIS_PORT" \
      --dir "$LOCAL/redis" --appendonly yes --save "" --maxmemory-policy noeviction --daemonize no
    wait_until redis "$LOGS/redis.log" 30 redis_answers "$EFFECTIVE_REDIS_URL"
  fi
  say "redis: ready at $EFFECTIVE_REDIS_URL"
}

write_env() {
  if ! redis_answers "$EFFECTIVE_REDIS_URL" && redis_answers "redis://127.0.0.1:$OWN_REDIS_PORT"; then
    EFFECTIVE_REDIS_URL="redis://127.0.0.1:$OWN_REDIS_PORT"
  fi
  cat >"$LOCAL/stack.env" <<EOF
# Written by infra/stack.sh up: where the natively provisioned services listen.
export KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT
export SCHEMA_REGISTRY_URL=$REGISTRY_URL
export REDIS_URL=$EFFECTIVE_REDIS_URL
EOF
  if connect_ready 2>/dev/null; then echo "export CONNECT_URL=$CONNECT_URL" >>"$LOCAL/stack.env"; fi
}

status() {
  local s
  for s in kafka registry redis connect; do
    if pid_alive "$s"; then printf '%-9s running (pid %s)\n' "$s" "$(cat "$RUN/$s.pid")"; else printf '%-9s not started by this script\n' "$s"; fi
  done
  if kafka_ready 2>/dev/null; then echo "kafka     answers at 127.0.0.1:$KAFKA_PORT"; else echo "kafka     not answering at 127.0.0.1:$KAFKA_PORT"; fi
  if registry_ready; then echo "registry  answers at $REGISTRY_URL"; else echo "registry  not answering at $REGISTRY_URL"; fi
  if redis_answers "$EFFECTIVE_REDIS_URL"; then echo "redis     answers at $EFFECTIVE_REDIS_URL";
  elif redis_answers "redis://127.0.0.1:$OWN_REDIS_PORT"; then echo "redis     answers at redis://127.0.0.1:$OWN_REDIS_PORT";
  else echo "redis     not answering"; fi
  if connect_ready 2>/dev/null; then
    echo "connect   answers at $CONNECT_URL"
    node --no-warnings "$ROOT/packages/kafka/src/cli/connect-register.ts" --status "$CONNECT_URL" || true
  else
    echo "connect   not answering at $CONNECT_URL (started only when named: infra/stack.sh up connect)"
  fi
  echo "clickhouse embedded engine (npm chdb), inside the pipeline's process; CLICKHOUSE_URL selects a server"
}

cmd="${1:-status}"; shift || true
services=("$@")
[ ${#services[@]} -gt 0 ] || services=(kafka registry redis)

case "$cmd" in
  up)
    for s in "${services[@]}"; do
      case "$s" in kafka) up_kafka ;; registry) up_registry ;; redis) up_redis ;; connect) up_connect ;; *) die "unknown service '$s' (kafka, registry, redis, connect)" ;; esac
    done
    write_env ;;
  down)
    # Reverse order: the registry and Connect keep their state in Kafka.
    for s in connect redis registry kafka; do
      if [[ " ${services[*]} " == *" $s "* ]]; then stop_daemon "$s"; fi
    done ;;
  status) status ;;
  *) die "usage: infra/stack.sh up|down|status [kafka|registry|redis|connect]..." ;;
esac
