package io.chatrelay.bench;

import java.util.Locale;

/** One human-readable line per result. */
final class Summary {
    private Summary() {
    }

    static String line(Result r) {
        if ("memory".equals(r.str("kind"))) {
            return String.format(Locale.ROOT,
                    "%s idle=%d/%d rss/conn=%.1f KiB heap/conn=%.1f KiB rss %d->%d KiB heap %d->%d KiB setup=%.0f conn/s",
                    r.str("system"), (long) r.num("connected"), (long) r.num("connections"), r.num("rssPerConnKb"),
                    r.num("heapPerConnKb"), (long) r.num("rssBeforeKb"), (long) r.num("rssAfterKb"),
                    (long) r.num("heapBeforeKb"), (long) r.num("heapAfterKb"), r.num("setupPerS"));
        }
        return String.format(Locale.ROOT,
                "%s rate=%.0f msg/s sent=%.0f/s offered=%.0f deliv/s delivered=%.0f/s loss=%d (%.3f%%) "
                        + "p50=%.2f p99=%.2f p99.9=%.2f max=%.2f ms errors=%d closed=%d setup=%.0f conn/s "
                        + "cpu gen=%.2f servers=%.2f redis=%.2f machine=%.2f other=%.2f rss/conn=%.1f KiB heap/conn=%.1f KiB",
                r.str("system"), r.num("offeredMsgsPerS"), r.num("sentMsgsPerS"), r.num("offeredDeliveriesPerS"),
                r.num("deliveriesPerS"), (long) r.num("loss"), r.num("lossPct"), r.num("p50Ms"), r.num("p99Ms"),
                r.num("p999Ms"), r.num("maxMs"), (long) r.num("errors"), (long) r.num("closedDuringRun"),
                r.num("setupPerS"), r.num("generatorCpuCores"), r.num("serverCpuCores"), r.num("redisCpuCores"),
                r.num("machineCpuCores"), r.num("otherCpuCores"), r.num("serverRssPerConnKb"), r.num("serverHeapPerConnKb"));
    }
}
