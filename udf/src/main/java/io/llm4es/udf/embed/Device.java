package io.llm4es.udf.embed;

import io.llm4es.udf.config.Setting;
import io.llm4es.udf.error.Llm4esException;
import java.util.Locale;

/** Where inference runs. {@code auto} takes CUDA when this ONNX Runtime build and machine have it. */
public enum Device {
    CPU,
    CUDA,
    AUTO;

    public static final Setting SETTING = new Setting("llm4es.device", "LLM4ES_DEVICE");

    public static Device parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw Llm4esException.invalid("device '" + name + "' is not one of cpu, cuda, auto");
        }
    }

    public static Device fromEnvironment() {
        String v = SETTING.value();
        return v == null ? AUTO : parse(v);
    }
}
