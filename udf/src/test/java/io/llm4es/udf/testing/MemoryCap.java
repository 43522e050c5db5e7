package io.llm4es.udf.testing;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * An ONNX graph fragment that makes a model run out of memory above a batch size, the way a
 * small GPU would: a second output, {@code oom_probe}, is a float tensor of one element while the
 * padded batch holds at most {@code capTokens} tokens (rows × width), and of 2^47 elements
 * (512 TiB, beyond any process's address space) above it. ONNX Runtime computes every output of
 * a run, so the allocation really happens and really fails.
 *
 * <p>Protobuf merges a repeated occurrence of a message field into the first, so appending this
 * fragment (a ModelProto holding only a graph with the new nodes, initializers and output) to a
 * model's bytes adds the probe and leaves the model itself unchanged.
 */
public final class MemoryCap {
    static final long HUGE_ELEMENTS = 1L << 47;
    private static final int INT64 = 7;
    private static final int FLOAT = 1;

    private MemoryCap() {}

    /** {@code model} (a serialized ModelProto with input {@code input_ids}) plus the probe. */
    public static byte[] append(byte[] model, long capTokens) {
        Protobuf graph = new Protobuf()
                .message(1, node("Shape", "oom_probe/shape", "input_ids"))
                .message(1, node("ReduceProd", "oom_probe/tokens", "oom_probe/shape"))
                .message(1, node("Sub", "oom_probe/over", "oom_probe/tokens", "oom_probe/cap"))
                .message(1, node("Clip", "oom_probe/flag", "oom_probe/over", "oom_probe/zero", "oom_probe/one"))
                .message(1, node("Mul", "oom_probe/scaled", "oom_probe/flag", "oom_probe/huge"))
                .message(1, node("Add", "oom_probe/size", "oom_probe/scaled", "oom_probe/ones"))
                .message(1, node("ConstantOfShape", "oom_probe", "oom_probe/size"))
                .message(5, int64("oom_probe/cap", true, capTokens))
                .message(5, int64("oom_probe/huge", true, HUGE_ELEMENTS))
                .message(5, int64("oom_probe/ones", true, 1))
                .message(5, int64("oom_probe/zero", false, 0))
                .message(5, int64("oom_probe/one", false, 1))
                .message(12, floatVectorOutput("oom_probe"));
        byte[] fragment = new Protobuf().message(7, graph).toByteArray();
        byte[] out = new byte[model.length + fragment.length];
        System.arraycopy(model, 0, out, 0, model.length);
        System.arraycopy(fragment, 0, out, model.length, fragment.length);
        return out;
    }

    private static Protobuf node(String op, String output, String... inputs) {
        Protobuf n = new Protobuf();
        for (String in : inputs) {
            n.string(1, in);
        }
        return n.string(2, output).string(3, output + "/" + op).string(4, op);
    }

    /** An int64 initializer: a vector of one element, or a scalar (Clip's bounds). */
    private static Protobuf int64(String name, boolean vector, long value) {
        Protobuf t = new Protobuf();
        if (vector) {
            t.varint(1, 1);
        }
        byte[] raw = ByteBuffer.allocate(8)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(value)
                .array();
        return t.varint(2, INT64).string(8, name).bytes(9, raw);
    }

    private static Protobuf floatVectorOutput(String name) {
        Protobuf shape = new Protobuf().message(1, new Protobuf().string(2, "oom_probe_elements"));
        Protobuf tensor = new Protobuf().varint(1, FLOAT).message(2, shape);
        return new Protobuf().string(1, name).message(2, new Protobuf().message(1, tensor));
    }
}
