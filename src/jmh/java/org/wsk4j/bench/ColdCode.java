package org.wsk4j.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.tools.FileObject;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileManager;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;

/**
 * Distinct machine code to run per message: the echo calibration {@code nio+NNcode} (see {@link EchoClient}), which
 * adds NN calls of distinct methods to raw NIO's client per message, each method a straight run of independent
 * arithmetic with constants of its own (so the compiler shares nothing between them), too large to be inlined. What
 * that costs a message in a hot loop, where the code stays in the instruction cache, against what it costs in the
 * echo loop, where the kernel's network stack runs between two messages, measures how this machine prices a
 * per-message code path's size rather than its work.
 *
 * <p>The class is generated and compiled when first used (the JDK's compiler, {@link ToolProvider}), so the source
 * tree does not carry thousands of generated lines. Threading: {@link #handle} is synchronized; the generated code
 * is stateless.
 */
final class ColdCode {

    /** Methods generated; a contender may call up to this many per message. */
    static final int METHODS = 64;
    /**
     * Steps per method: each an xor and an add with constants of their own on each of {@link #ACCUMULATORS}
     * independent values, so the code is long (1,536 bytes of machine code per method from C2 on JDK 17) and its
     * work short (the chains are {@code 2 * STEPS} instructions long and run side by side).
     */
    private static final int STEPS = 12;
    private static final int ACCUMULATORS = 8;

    private static MethodHandle run;

    private ColdCode() {
    }

    /**
     * The generated {@code run(int count, long seed)} as a handle: it calls methods 0..count-1 in order, each on the
     * one before's result. Made (generated and compiled) on the first call; the same handle after it.
     */
    static synchronized MethodHandle handle() {
        if (run == null) {
            run = generate();
        }
        return run;
    }

    private static MethodHandle generate() {
        StringBuilder src = new StringBuilder("public final class GeneratedColdCode {\n");
        Random random = new Random(23);
        for (int m = 0; m < METHODS; m++) {
            src.append("  static long m").append(m).append("(long x) {\n    int");
            for (int a = 0; a < ACCUMULATORS; a++) {
                src.append(a == 0 ? " " : ", ").append("a").append(a).append(" = (int) (x >>> ").append(a * 4)
                        .append(")");
            }
            src.append(";\n");
            for (int s = 0; s < STEPS; s++) {
                src.append("   ");
                for (int a = 0; a < ACCUMULATORS; a++) {
                    src.append(" a").append(a).append(" = (a").append(a).append(" ^ ").append(random.nextInt())
                            .append(") + ").append(random.nextInt()).append(";");
                }
                src.append("\n");
            }
            src.append("    return x");
            for (int a = 0; a < ACCUMULATORS; a++) {
                src.append(" + a").append(a);
            }
            src.append(";\n  }\n");
        }
        src.append("  public static long run(int count, long x) {\n    for (int i = 0; i < count; i++) {\n")
                .append("      switch (i) {\n");
        for (int m = 0; m < METHODS; m++) {
            src.append("        case ").append(m).append(": x = m").append(m).append("(x); break;\n");
        }
        src.append("      }\n    }\n    return x;\n  }\n}\n");

        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        if (compiler == null) {
            throw new IllegalStateException("nio+NNcode needs a JDK (javax.tools compiler), not a JRE");
        }
        Map<String, ByteArrayOutputStream> classes = new HashMap<>();
        JavaFileObject source = new SimpleJavaFileObject(URI.create("string:///GeneratedColdCode.java"),
                JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return src;
            }
        };
        try (JavaFileManager files = new ForwardingJavaFileManager<>(
                compiler.getStandardFileManager(null, null, null)) {
            @Override
            public JavaFileObject getJavaFileForOutput(Location location, String className, JavaFileObject.Kind kind,
                                                       FileObject sibling) {
                return new SimpleJavaFileObject(URI.create("mem:///" + className + ".class"), kind) {
                    @Override
                    public OutputStream openOutputStream() {
                        ByteArrayOutputStream out = new ByteArrayOutputStream();
                        classes.put(className, out);
                        return out;
                    }
                };
            }
        }) {
            if (!compiler.getTask(null, files, null, List.of("-g:none"), null, List.of(source)).call()) {
                throw new IllegalStateException("compiling the generated cold code failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ClassLoader loader = new ClassLoader(ColdCode.class.getClassLoader()) {
            @Override
            protected Class<?> findClass(String name) throws ClassNotFoundException {
                ByteArrayOutputStream bytes = classes.get(name);
                if (bytes == null) {
                    throw new ClassNotFoundException(name);
                }
                byte[] b = bytes.toByteArray();
                return defineClass(name, b, 0, b.length);
            }
        };
        try {
            Class<?> type = loader.loadClass("GeneratedColdCode");
            return MethodHandles.publicLookup().findStatic(type, "run",
                    MethodType.methodType(long.class, int.class, long.class));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
