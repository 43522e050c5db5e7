package io.llm4es.udf.error;

/** The SQLSTATE contract of DESIGN.md; every binding reports these codes unchanged. */
public enum SqlState {
    UNDEFINED_OBJECT("42704"),
    INVALID_PARAMETER_VALUE("22023"),
    PROGRAM_LIMIT_EXCEEDED("54000"),
    OUT_OF_MEMORY("53200"),
    SYSTEM_ERROR("58000"),
    FEATURE_NOT_SUPPORTED("0A000"),
    DATA_CORRUPTED("XX001");

    private final String code;

    SqlState(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }
}
