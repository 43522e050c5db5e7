#!/usr/bin/env bash
# The whole LLM4ES loop in one command: events in a database -> training text through the Java
# serializer (SQL) -> fine-tuning -> bundle -> registered in the database -> every user embedded
# through the SQL aggregate with the new model.
#
#   examples/scripts/finetune-loop.sh --db jdbc:h2:/data/bank \
#       --events-sql "SELECT user_id, JSON_OBJECT('date': ts, ...), ts FROM transactions" \
#       --serializer examples/config/demo-transactions.serializer.json \
#       --init ../shared/models/stories260K/hf --name txn-llm [--version V] \
#       [--models-dir models] [--work runs/txn-llm] [--out embeddings.csv] [-- <llm4es-train train options>]
#
# --events-sql returns (user id, event JSON, order key); --db must outlive one process (an H2 file
# or server), since every step opens it anew. The version defaults to the time of the run, so each
# run registers a new model version and the bare name resolves to the newest.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
jar="${LLM4ES_JAR:-$repo/connectors/target/llm4es.jar}"
train="${LLM4ES_TRAIN:-$repo/model-training/.venv/bin/llm4es-train}"
db="" sql="" serializer="" init="" name="" version="$(date -u +%Y%m%d%H%M%S)"
models="models" work="" out="embeddings.csv" extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --db) db="$2"; shift 2 ;;
    --events-sql) sql="$2"; shift 2 ;;
    --serializer) serializer="$2"; shift 2 ;;
    --init) init="$2"; shift 2 ;;
    --name) name="$2"; shift 2 ;;
    --version) version="$2"; shift 2 ;;
    --models-dir) models="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "finetune-loop: unknown option $1" >&2; exit 2 ;;
  esac
done
for required in db sql serializer init name; do
  [[ -n "${!required}" ]] || { echo "finetune-loop: --${required/sql/events-sql} is required" >&2; exit 2; }
done
[[ -f "$jar" ]] || { echo "finetune-loop: $jar not found: build with 'mvn -B -q package -DskipTests'" >&2; exit 2; }
[[ -x "$train" ]] || { echo "finetune-loop: $train not found: run 'bash model-training/install.sh'" >&2; exit 2; }
work="${work:-runs/$name-$version}"
mkdir -p "$models" "$work"
models="$(cd "$models" && pwd)"
bundle="$models/$name-$version"
java_sql() { java -Dllm4es.models.dir="$models" -jar "$jar" "$@"; }

echo "== 1/4 training text through the SQL serializer -> $work/corpus.jsonl" >&2
java_sql export-text --db "$db" --sql "$sql" --serializer "$serializer" --out "$work/corpus.jsonl"
echo "== 2/4 fine-tuning $init -> bundle $bundle" >&2
"$train" train --corpus "$work/corpus.jsonl" --init "$init" --out "$work/run" \
  --export-bundle "$bundle" --name "$name" --version "$version" "${extra[@]}"
echo "== 3/4 registering $name:$version in $db" >&2
java_sql query --db "$db" --sql "CALL register_model('$name', '$bundle')" >&2
echo "== 4/4 embedding every user through SQL with $name:$version -> $out" >&2
java_sql query --db "$db" --out "$out" --sql "SELECT user_id, user_embedding(event, order_key, '$name:$version') AS embedding,
  model_version('$name:$version') AS model_version FROM ($sql) AS source(user_id, event, order_key) GROUP BY user_id ORDER BY user_id"
echo "finetune-loop: $(($(wc -l < "$out") - 1)) users embedded with $name:$version into $out" >&2
