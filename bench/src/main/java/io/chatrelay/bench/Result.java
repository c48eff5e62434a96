package io.chatrelay.bench;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One result line: a flat JSON object of numbers and strings, in insertion order. Written one per
 * line to a {@code .jsonl} file and read back by {@link ReportWriter}.
 */
final class Result {
    private final Map<String, Object> values = new LinkedHashMap<>();

    Result put(String key, Object value) {
        values.put(key, value);
        return this;
    }

    double num(String key) {
        Object v = values.get(key);
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        if (v instanceof String s) {
            try {
                return Double.parseDouble(s);
            } catch (NumberFormatException e) {
                return Double.NaN;
            }
        }
        return Double.NaN;
    }

    String str(String key) {
        Object v = values.get(key);
        return v == null ? "" : v.toString();
    }

    boolean has(String key) {
        return values.containsKey(key);
    }

    Map<String, Object> values() {
        return values;
    }

    String toJson() {
        StringBuilder b = new StringBuilder(512).append('{');
        boolean first = true;
        for (Map.Entry<String, Object> e : values.entrySet()) {
            if (!first) {
                b.append(',');
            }
            first = false;
            quote(b, e.getKey()).append(':');
            Object v = e.getValue();
            if (v instanceof Double d) {
                b.append(Double.isFinite(d) ? String.format(Locale.ROOT, "%.4f", d) : "null");
            } else if (v instanceof Float f) {
                b.append(Float.isFinite(f) ? String.format(Locale.ROOT, "%.4f", f) : "null");
            } else if (v instanceof Number || v instanceof Boolean) {
                b.append(v);
            } else if (v == null) {
                b.append("null");
            } else {
                quote(b, v.toString());
            }
        }
        return b.append('}').toString();
    }

    private static StringBuilder quote(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"');
    }

    /** Parses a line written by {@link #toJson} (flat object; numbers, strings, booleans, null). */
    static Result parse(String json) {
        Result r = new Result();
        int[] pos = {skip(json, 0)};
        expect(json, pos, '{');
        pos[0] = skip(json, pos[0]);
        if (json.charAt(pos[0]) == '}') {
            return r;
        }
        while (true) {
            pos[0] = skip(json, pos[0]);
            String key = string(json, pos);
            pos[0] = skip(json, pos[0]);
            expect(json, pos, ':');
            pos[0] = skip(json, pos[0]);
            char c = json.charAt(pos[0]);
            Object value;
            if (c == '"') {
                value = string(json, pos);
            } else {
                int start = pos[0];
                while (pos[0] < json.length() && ",} \t".indexOf(json.charAt(pos[0])) < 0) {
                    pos[0]++;
                }
                String lit = json.substring(start, pos[0]);
                value = switch (lit) {
                    case "null" -> null;
                    case "true" -> Boolean.TRUE;
                    case "false" -> Boolean.FALSE;
                    default -> lit.contains(".") || lit.contains("e") || lit.contains("E")
                            ? (Object) Double.parseDouble(lit) : (Object) Long.parseLong(lit);
                };
            }
            r.put(key, value);
            pos[0] = skip(json, pos[0]);
            char next = json.charAt(pos[0]++);
            if (next == '}') {
                return r;
            }
            if (next != ',') {
                throw new IllegalArgumentException("bad JSON at " + pos[0] + ": " + json);
            }
        }
    }

    private static int skip(String s, int i) {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    private static void expect(String s, int[] pos, char c) {
        if (s.charAt(pos[0]) != c) {
            throw new IllegalArgumentException("expected " + c + " at " + pos[0] + ": " + s);
        }
        pos[0]++;
    }

    private static String string(String s, int[] pos) {
        expect(s, pos, '"');
        StringBuilder b = new StringBuilder();
        while (true) {
            char c = s.charAt(pos[0]++);
            if (c == '"') {
                return b.toString();
            }
            if (c == '\\') {
                char e = s.charAt(pos[0]++);
                switch (e) {
                    case 'n' -> b.append('\n');
                    case 'r' -> b.append('\r');
                    case 't' -> b.append('\t');
                    case 'u' -> {
                        b.append((char) Integer.parseInt(s.substring(pos[0], pos[0] + 4), 16));
                        pos[0] += 4;
                    }
                    default -> b.append(e);
                }
            } else {
                b.append(c);
            }
        }
    }
}
