#!/usr/bin/env bash
# The whole LLM4ES loop in one command: events in a database -> training text through the Java
# serializer (SQL) -> fine-tuning -> bundle -> registered in the database -> every user embedded
# through the SQL aggregate with the new model.
#
#   examples/scripts/finetune-loop.sh --db jdbc:h2:/data/bank \
#       --events-sql "SELECT user_id, JSON_OBJECT('date': ts, ...), ts FROM transactions" \
#       --serializer examples/config/demo-transactions.serializer.json --name txn-llm [--version V] \
#       [--recipe compact-domain | none] [--exact year,rating] [--init MODEL] \
#       [--models-dir models] [--work runs/txn-llm] [--out embeddings.csv] [-- <llm4es-train train options>]
#
# The recipe (model-training/configs/recipes/NAME.json, default compact-domain) names the
# serializer options, tokenizer, context, model, steps and the bundle's pooling: your serializer config gets its
# rendering and significant digits (--exact: number fields kept to the digit), a domain tokenizer
# is trained on the text when the model is new (--init scratch, the recipe's own), and the training
# text is cut to the context by the Java serializer, as at inference. --init MODEL fine-tunes that
# model instead (its own tokenizer); options after -- win over the recipe's. --recipe none: your
# serializer config as it is, --init required, the trainer's defaults.
#
# --events-sql returns (user id, event JSON, order key); --db must outlive one process (an H2 file
# or server), since every step opens it anew. The version defaults to the time of the run, so each
# run registers a new model version and the bare name resolves to the newest.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
jar="${LLM4ES_JAR:-$repo/connectors/target/llm4es.jar}"
train="${LLM4ES_TRAIN:-$repo/model-training/.venv/bin/llm4es-train}"
db="" sql="" serializer="" init="" name="" version="$(date -u +%Y%m%d%H%M%S)"
recipe="compact-domain" exact="" models="models" work="" out="embeddings.csv" extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --db) db="$2"; shift 2 ;;
    --events-sql) sql="$2"; shift 2 ;;
    --serializer) serializer="$2"; shift 2 ;;
    --init) init="$2"; shift 2 ;;
    --recipe) recipe="$2"; shift 2 ;;
    --exact) exact="$2"; shift 2 ;;
    --name) name="$2"; shift 2 ;;
    --version) version="$2"; shift 2 ;;
    --models-dir) models="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "finetune-loop: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ "$recipe" != none || -n "$init" ]] || { echo "finetune-loop: --init is required with --recipe none" >&2; exit 2; }
for required in db sql serializer name; do
  [[ -n "${!required}" ]] || { echo "finetune-loop: --${required/sql/events-sql} is required" >&2; exit 2; }
done
[[ -f "$jar" ]] || { echo "finetune-loop: $jar not found: build with 'mvn -B -q package -DskipTests'" >&2; exit 2; }
[[ -x "$train" ]] || { echo "finetune-loop: $train not found: run 'bash model-training/install.sh'" >&2; exit 2; }
work="${work:-runs/$name-$version}"
mkdir -p "$models" "$work"
models="$(cd "$models" && pwd)"
bundle="$models/$name-$version"
java_sql() { java -Dllm4es.models.dir="$models" -jar "$jar" "$@"; }

if [[ "$recipe" == none ]]; then
  echo "== 1/4 training text through the SQL serializer -> $work/corpus.jsonl" >&2
  java_sql export-text --db "$db" --sql "$sql" --serializer "$serializer" --out "$work/corpus.jsonl"
  echo "== 2/4 fine-tuning $init -> bundle $bundle" >&2
  "$train" train --corpus "$work/corpus.jsonl" --init "$init" --out "$work/run" \
    --export-bundle "$bundle" --name "$name" --version "$version" "${extra[@]}"
else
  context_option=()
  for ((i = 0; i < ${#extra[@]}; i++)); do  # a --context after -- wins over the recipe's
    [[ "${extra[i]}" == --context ]] && context_option=("--context" "${extra[i + 1]}")
  done
  # context, budget (the context less BOS), tokenizer kind and size, as shell assignments
  eval "$("$train" recipe "$recipe" --serializer "$serializer" --out "$work/serializer.json" --exact "$exact" \
    "${context_option[@]}")"
  model=("--recipe" "$recipe") tokens=()
  [[ -n "$init" ]] && model+=("--init" "$init")
  if [[ "$tokenizer" == domain && ( -z "$init" || "$init" == scratch ) ]]; then
    echo "== 1/4 whole histories through the SQL serializer ($recipe) -> $work/whole.jsonl, a domain tokenizer" >&2
    java_sql export-text --db "$db" --sql "$sql" --serializer "$work/serializer.json" --out "$work/whole.jsonl"
    "$train" tokenizer --corpus "$work/whole.jsonl" --vocab-size "$vocab_size" --out "$work/tokenizer.json"
    tokens=("--tokenizer" "$work/tokenizer.json")
    tokenizer_file="$work/tokenizer.json"
  else
    tokenizer_file="$init/tokenizer.json"  # a pretrained model keeps its own tokenizer
    [[ -f "$tokenizer_file" ]] || {
      echo "finetune-loop: $tokenizer_file not found: with a recipe, --init is a Hugging Face directory or scratch" >&2
      exit 2
    }
  fi
  echo "== 1/4 training text through the SQL serializer, cut to $budget tokens -> $work/corpus.jsonl" >&2
  java_sql export-text --db "$db" --sql "$sql" --serializer "$work/serializer.json" --out "$work/corpus.jsonl" \
    --tokenizer "$tokenizer_file" --budget "$budget"
  echo "== 2/4 training (recipe $recipe${init:+, from $init}) -> bundle $bundle" >&2
  "$train" train --corpus "$work/corpus.jsonl" "${model[@]}" "${tokens[@]}" --out "$work/run" \
    --export-bundle "$bundle" --name "$name" --version "$version" "${extra[@]}"
fi
echo "== 3/4 registering $name:$version in $db" >&2
java_sql query --db "$db" --sql "CALL register_model('$name', '$bundle')" >&2
echo "== 4/4 embedding every user through SQL with $name:$version -> $out" >&2
java_sql query --db "$db" --out "$out" --sql "SELECT user_id, user_embedding(event, order_key, '$name:$version') AS embedding,
  model_version('$name:$version') AS model_version FROM ($sql) AS source(user_id, event, order_key) GROUP BY user_id ORDER BY user_id"
echo "finetune-loop: $(($(wc -l < "$out") - 1)) users embedded with $name:$version into $out" >&2
