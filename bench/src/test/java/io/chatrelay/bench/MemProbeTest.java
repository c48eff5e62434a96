package io.chatrelay.bench;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class MemProbeTest {
    @Test
    void heapUsedOfEachCollector() {
        String g1 = """
                12345:
                 garbage-first heap   total reserved 524288K, committed 389120K, used 9035K [0x00000000e0000000, 0x0000000100000000)
                  region size 1024K, 7 young (7168K), 3 survivors (3072K)
                 Metaspace       used 1000K, committed 1100K, reserved 1114112K
                """;
        assertThat(MemProbe.Jvm.heapUsedKb(g1.replace("\n ", "\n"))).isEqualTo(9035);
        String serial = """
                12345:
                DefNew     total 116160K, used 31005K [0x00000000e0000000, 0x00000000e7e00000, 0x00000000eaaa0000)
                 eden space 103296K,  30% used [0x00000000e0000000, 0x00000000e1e475b8, 0x00000000e64e0000)
                Tenured    total 258048K, used 1166K [0x00000000eaaa0000, 0x00000000fa6a0000, 0x0000000100000000)
                 the  space 258048K,   0% used [0x00000000eaaa0000, 0x00000000eabc3ab8, 0x00000000fa6a0000)
                Metaspace       used 1000K, committed 1100K, reserved 1114112K
                """;
        assertThat(MemProbe.Jvm.heapUsedKb(serial)).isEqualTo(31005 + 1166);
        assertThat(MemProbe.Jvm.heapUsedKb("ZHeap            used 44M, capacity 378M, max capacity 512M\n")).isEqualTo(44 * 1024);
        assertThat(MemProbe.Jvm.heapUsedKb("nothing here")).isEqualTo(-1);
    }
}
