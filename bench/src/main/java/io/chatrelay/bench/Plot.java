package io.chatrelay.bench;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Stroke;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Small line and bar charts drawn with Java2D into PNG files (headless). */
final class Plot {
    static final Color BLUE = new Color(0x1f77b4);
    static final Color ORANGE = new Color(0xff7f0e);
    static final Color LIGHT_BLUE = new Color(0x9ecae1);
    static final Color LIGHT_ORANGE = new Color(0xfdd0a2);
    static final Color GREEN = new Color(0x2ca02c);
    static final Color LIGHT_GREEN = new Color(0xa1d99b);
    static final Color RED = new Color(0xd62728);
    static final Color LIGHT_RED = new Color(0xfc9272);
    static final Color PURPLE = new Color(0x9467bd);
    static final Color LIGHT_PURPLE = new Color(0xcbc9e2);
    static final Color GREY = new Color(0x7f7f7f);
    static final Color LIGHT_GREY = new Color(0xc7c7c7);
    private static final int W = 960;
    private static final int H = 580;
    private static final int LEFT = 90;
    private static final int RIGHT = 30;
    private static final int TOP = 60;
    private static final int BOTTOM = 70;

    /** A line series. */
    record Series(String name, Color color, boolean dashed, double[] xs, double[] ys) {
    }

    /** A horizontal reference line. */
    record Ref(String label, double y, Color color) {
    }

    private Plot() {
    }

    static void lines(Path file, String title, String xLabel, String yLabel, boolean logY, List<Series> series,
                      List<Ref> refs, boolean diagonal) throws IOException {
        double xMin = 0;
        double xMax = 0;
        double yMin = Double.MAX_VALUE;
        double yMax = 0;
        for (Series s : series) {
            for (int i = 0; i < s.xs().length; i++) {
                xMax = Math.max(xMax, s.xs()[i]);
                if (s.ys()[i] > 0 || !logY) {
                    yMin = Math.min(yMin, s.ys()[i]);
                }
                yMax = Math.max(yMax, s.ys()[i]);
            }
        }
        for (Ref r : refs) {
            yMax = Math.max(yMax, r.y());
            yMin = Math.min(yMin, r.y());
        }
        if (diagonal) {
            yMax = Math.max(yMax, xMax);
        }
        xMax = niceCeil(xMax * 1.05);
        double y0;
        double y1;
        if (logY) {
            y0 = Math.pow(10, Math.floor(Math.log10(Math.max(yMin, 1e-3))));
            y1 = Math.pow(10, Math.ceil(Math.log10(Math.max(yMax, y0 * 10))));
        } else {
            y0 = 0;
            y1 = niceCeil(yMax * 1.05);
        }
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = canvas(img, title);
        Axis x = new Axis(xMin, xMax, false, LEFT, W - RIGHT);
        Axis y = new Axis(y0, y1, logY, H - BOTTOM, TOP);
        grid(g, x, y, xLabel, yLabel);
        if (diagonal) {
            g.setColor(Color.GRAY);
            g.setStroke(dashed(1.2f));
            double end = Math.min(xMax, y1);
            g.drawLine(x.px(0), y.px(Math.max(y0, 0)), x.px(end), y.px(end));
            g.drawString("offered = delivered", x.px(end * 0.55) + 6, y.px(end * 0.55) - 6);
        }
        for (Ref r : refs) {
            g.setColor(r.color());
            g.setStroke(dashed(1.5f));
            g.drawLine(LEFT, y.px(r.y()), W - RIGHT, y.px(r.y()));
            g.drawString(r.label(), LEFT + 8, y.px(r.y()) - 5);
        }
        for (Series s : series) {
            g.setColor(s.color());
            g.setStroke(s.dashed() ? dashed(2f) : new BasicStroke(2.5f));
            int prevX = -1;
            int prevY = -1;
            for (int i = 0; i < s.xs().length; i++) {
                double v = s.ys()[i];
                if (logY && v <= 0) {
                    continue;
                }
                int px = x.px(s.xs()[i]);
                int py = y.px(Math.min(Math.max(v, y0), y1));
                if (prevX >= 0) {
                    g.drawLine(prevX, prevY, px, py);
                }
                g.fillOval(px - 4, py - 4, 9, 9);
                prevX = px;
                prevY = py;
            }
        }
        legend(g, series.stream().map(s -> new Object[] {s.name(), s.color(), s.dashed()}).toList());
        save(img, g, file);
    }

    /** Grouped bars: one group per category, one bar per series. */
    static void bars(Path file, String title, String yLabel, List<String> categories, List<String> names,
                     List<Color> colors, double[][] values, List<Ref> refs) throws IOException {
        double max = 0;
        for (Ref r : refs) {
            max = Math.max(max, r.y());
        }
        for (double[] row : values) {
            for (double v : row) {
                if (Double.isFinite(v)) {
                    max = Math.max(max, v);
                }
            }
        }
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = canvas(img, title);
        Axis y = new Axis(0, niceCeil(max * 1.15), false, H - BOTTOM, TOP);
        grid(g, null, y, "", yLabel);
        double groupWidth = (double) (W - LEFT - RIGHT) / categories.size();
        double barWidth = groupWidth * 0.8 / names.size();
        FontMetrics fm = g.getFontMetrics();
        for (int c = 0; c < categories.size(); c++) {
            int gx = (int) (LEFT + c * groupWidth + groupWidth * 0.1);
            for (int s = 0; s < names.size(); s++) {
                double v = values[s][c];
                int bx = (int) (gx + s * barWidth);
                if (!Double.isFinite(v)) {
                    g.setColor(Color.GRAY);
                    g.drawString("n/a", bx + 4, y.px(0) - 6);
                    continue;
                }
                g.setColor(colors.get(s));
                g.fillRect(bx, y.px(v), (int) barWidth - 4, y.px(0) - y.px(v));
                g.setColor(Color.DARK_GRAY);
                String label = String.format(Locale.ROOT, "%.1f", v);
                g.drawString(label, bx + (int) (barWidth - 4 - fm.stringWidth(label)) / 2, y.px(v) - 5);
            }
            g.setColor(Color.BLACK);
            String cat = categories.get(c);
            g.drawString(cat, (int) (LEFT + c * groupWidth + (groupWidth - fm.stringWidth(cat)) / 2), H - BOTTOM + 22);
        }
        for (Ref r : refs) {
            g.setColor(r.color());
            g.setStroke(dashed(1.5f));
            g.drawLine(LEFT, y.px(r.y()), W - RIGHT, y.px(r.y()));
            g.drawString(r.label(), LEFT + 8, y.px(r.y()) - 5);
        }
        List<Object[]> legend = new ArrayList<>();
        for (int s = 0; s < names.size(); s++) {
            legend.add(new Object[] {names.get(s), colors.get(s), false});
        }
        legend(g, legend);
        save(img, g, file);
    }

    private static Graphics2D canvas(BufferedImage img, String title) {
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, W, H);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 17));
        g.drawString(title, LEFT, 32);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        return g;
    }

    private static void grid(Graphics2D g, Axis x, Axis y, String xLabel, String yLabel) {
        FontMetrics fm = g.getFontMetrics();
        g.setStroke(new BasicStroke(1f));
        for (double t : y.ticks()) {
            g.setColor(new Color(0xe6e6e6));
            g.drawLine(LEFT, y.px(t), W - RIGHT, y.px(t));
            g.setColor(Color.DARK_GRAY);
            String label = format(t);
            g.drawString(label, LEFT - 8 - fm.stringWidth(label), y.px(t) + 5);
        }
        if (x != null) {
            for (double t : x.ticks()) {
                g.setColor(new Color(0xe6e6e6));
                g.drawLine(x.px(t), TOP, x.px(t), H - BOTTOM);
                g.setColor(Color.DARK_GRAY);
                String label = format(t);
                g.drawString(label, x.px(t) - fm.stringWidth(label) / 2, H - BOTTOM + 20);
            }
        }
        g.setColor(Color.BLACK);
        g.drawRect(LEFT, TOP, W - LEFT - RIGHT, H - TOP - BOTTOM);
        g.drawString(xLabel, LEFT + (W - LEFT - RIGHT - fm.stringWidth(xLabel)) / 2, H - 22);
        Graphics2D r = (Graphics2D) g.create();
        r.rotate(-Math.PI / 2);
        r.drawString(yLabel, -(TOP + (H - TOP - BOTTOM + fm.stringWidth(yLabel)) / 2), 24);
        r.dispose();
    }

    private static void legend(Graphics2D g, List<Object[]> entries) {
        FontMetrics fm = g.getFontMetrics();
        int width = 0;
        for (Object[] e : entries) {
            width = Math.max(width, fm.stringWidth((String) e[0]));
        }
        int lx = W - RIGHT - width - 60;
        int ly = TOP + 12;
        g.setColor(new Color(255, 255, 255, 230));
        g.fillRect(lx - 8, ly - 8, width + 56, entries.size() * 20 + 10);
        g.setColor(Color.GRAY);
        g.drawRect(lx - 8, ly - 8, width + 56, entries.size() * 20 + 10);
        for (int i = 0; i < entries.size(); i++) {
            Object[] e = entries.get(i);
            int yy = ly + i * 20 + 8;
            g.setColor((Color) e[1]);
            g.setStroke((Boolean) e[2] ? dashed(2f) : new BasicStroke(3f));
            g.drawLine(lx, yy - 4, lx + 34, yy - 4);
            g.setColor(Color.BLACK);
            g.drawString((String) e[0], lx + 42, yy);
        }
    }

    private static void save(BufferedImage img, Graphics2D g, Path file) throws IOException {
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
    }

    private static Stroke dashed(float width) {
        return new BasicStroke(width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {7f, 5f}, 0f);
    }

    private static String format(double v) {
        if (v == 0) {
            return "0";
        }
        if (Math.abs(v) >= 1000) {
            return v % 1000 == 0 ? String.format(Locale.ROOT, "%.0fk", v / 1000) : String.format(Locale.ROOT, "%.1fk", v / 1000);
        }
        if (v == Math.rint(v)) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        return new java.math.BigDecimal(String.format(Locale.ROOT, "%.3f", v)).stripTrailingZeros().toPlainString();
    }

    static double niceCeil(double v) {
        if (v <= 0) {
            return 1;
        }
        double step = niceStep(v / 6);
        return Math.ceil(v / step) * step;
    }

    private static double niceStep(double raw) {
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        double m = raw / p;
        return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
    }

    private record Axis(double min, double max, boolean log, int from, int to) {
        int px(double v) {
            double f = log ? (Math.log10(v) - Math.log10(min)) / (Math.log10(max) - Math.log10(min))
                    : (v - min) / (max - min);
            return (int) Math.round(from + f * (to - from));
        }

        List<Double> ticks() {
            List<Double> t = new ArrayList<>();
            if (log) {
                for (double d = min; d <= max * 1.0001; d *= 10) {
                    t.add(d);
                }
                return t;
            }
            double step = niceStep((max - min) / 6);
            for (double v = min; v <= max + step * 1e-6; v += step) {
                t.add(v);
            }
            return t;
        }
    }
}
