package io.chatrelay.broker.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One Lua script of the Redis broker, read once from its {@code .lua} resource next to this class
 * (the same file that scripts and benchmarks outside Java use). A line {@code --!include name}
 * is replaced by the resource {@code name.lua}. Run through the broker's {@link ScriptCalls}: by
 * its SHA1 ({@code EVALSHA}); a node that does not know it yet ({@code NOSCRIPT}, e.g. after a
 * restart or on a new cluster node) gets the text once ({@code EVAL}, which also caches it there).
 */
final class LuaScript {
    static final LuaScript APPEND = load("append");
    static final LuaScript REACT = load("react");
    static final LuaScript MARK_READ = load("mark-read");
    static final LuaScript RESTRICT = load("restrict");
    static final LuaScript EVENTS_DUE = load("events-due");
    static final LuaScript EVENTS_DEAD = load("events-dead");
    static final LuaScript PRESENCE_ADD = load("presence-add");
    static final LuaScript PRESENCE_REMOVE = load("presence-remove");
    static final LuaScript PRESENCE_REFRESH = load("presence-refresh");
    static final LuaScript PRESENCE_SWEEP = load("presence-sweep");

    private final String name;
    private final String text;
    private final String sha;

    private LuaScript(String name, String text) {
        this.name = name;
        this.text = text;
        this.sha = sha1(text);
    }

    /**
     * Reads a script resource and resolves its includes.
     *
     * @param name the resource name without {@code .lua}
     * @return the script
     */
    static LuaScript load(String name) {
        StringBuilder text = new StringBuilder();
        for (String line : resource(name).split("\n", -1)) {
            if (line.startsWith("--!include ")) {
                text.append(resource(line.substring("--!include ".length()).trim()));
            } else {
                text.append(line).append('\n');
            }
        }
        return new LuaScript(name, text.toString());
    }

    String name() {
        return name;
    }

    /** The script text with includes resolved. */
    String text() {
        return text;
    }

    /** The SHA1 of the text, by which {@code EVALSHA} names it. */
    String sha() {
        return sha;
    }

    private static String resource(String name) {
        try (InputStream in = LuaScript.class.getResourceAsStream(name + ".lua")) {
            if (in == null) {
                throw new IllegalStateException("missing script resource " + name + ".lua");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha1(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
