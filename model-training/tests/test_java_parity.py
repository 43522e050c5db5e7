"""The Java runtime (sql/target/llm4es.jar) must tokenize and embed exactly like PyTorch does."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from llm4es_training.verification import cosine_rows

REPO_ROOT = Path(__file__).resolve().parents[2]
JAR = Path(os.environ.get("LLM4ES_JAR", REPO_ROOT / "sql/target/llm4es.jar"))


@pytest.fixture(scope="module")
def jar() -> Path:
    if JAR.is_file() and shutil.which("java"):
        return JAR
    reason = f"Java runtime jar {JAR} not found (build it with Maven or set LLM4ES_JAR)"
    if not shutil.which("java"):
        reason = "no `java` on PATH"
    if os.environ.get("LLM4ES_REQUIRE_JAR") == "1":
        pytest.fail(f"{reason}; LLM4ES_REQUIRE_JAR=1 demands the parity test", pytrace=False)
    pytest.skip(reason)


def embed_with_java(jar: Path, bundle_dir: Path, texts: dict[str, str], work_dir: Path) -> dict[str, dict]:
    input_file, output_file = work_dir / "in.jsonl", work_dir / "out.jsonl"
    input_file.write_text(
        "".join(json.dumps({"id": key, "text": text}, ensure_ascii=False) + "\n" for key, text in texts.items()),
        encoding="utf-8",
    )
    command = ["java", "-jar", str(jar), "embed-texts", "--bundle", str(bundle_dir),
               "--input", str(input_file), "--output", str(output_file)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}"
    lines = output_file.read_text(encoding="utf-8").splitlines()
    return {record["id"]: record for record in map(json.loads, lines)}


def test_java_matches_pytorch(jar, exported, model_name, texts, tmp_path):
    bundle = exported(model_name)
    from_java = embed_with_java(jar, bundle.bundle_dir, texts, tmp_path)
    assert sorted(from_java) == sorted(texts)

    for key, text in texts.items():
        expected_ids = bundle.token_ids(text)
        assert from_java[key]["token_ids"] == expected_ids, f"token ids differ for {key!r}"
        java_embedding = np.asarray([from_java[key]["embedding"]], dtype=np.float32)
        torch_embedding = bundle.torch_embed([expected_ids])
        cosine = cosine_rows(java_embedding, torch_embedding)[0]
        assert cosine >= 0.9999, f"{model_name} {key!r}: cosine(Java, PyTorch) = {cosine:.6f}"
