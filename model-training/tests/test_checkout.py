"""The one place the Python side finds the CLI's jar."""

from llm4es_training import checkout


def test_the_environment_names_the_jar(monkeypatch, tmp_path):
    jar = tmp_path / "elsewhere.jar"
    monkeypatch.setenv(checkout.JAR_ENV, str(jar))
    assert checkout.jar_path() == jar and checkout.find_jar() is None
    jar.write_bytes(b"PK")
    assert checkout.find_jar() == jar


def test_without_the_environment_the_build_output_is_looked_at(monkeypatch):
    monkeypatch.delenv(checkout.JAR_ENV, raising=False)
    assert checkout.jar_path() == checkout.REPO_ROOT / "connectors" / "target" / "llm4es.jar"
    assert (checkout.REPO_ROOT / "model-training" / "pyproject.toml").is_file()
    assert str(checkout.jar_path()) in checkout.missing_jar_message()
