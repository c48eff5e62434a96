package io.chatrelay.chat.room;

import io.chatrelay.broker.BrokerListener;
import io.chatrelay.broker.PresenceEntry;
import io.chatrelay.broker.PresenceStore;
import io.chatrelay.broker.memory.InMemoryBroker;
import io.chatrelay.chat.ChatEvents;
import io.chatrelay.chat.ChatMetrics;
import io.chatrelay.chat.ChatSettings;
import io.chatrelay.chat.Identity;
import io.chatrelay.chat.RecordingRecipient;
import io.chatrelay.chat.Session;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

class PresenceTrackerTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final int TOPICS = 200;

    private InMemoryBroker broker;
    private LocalRooms rooms;
    private final List<List<PresenceEntry>> refreshCalls = new CopyOnWriteArrayList<>();
    private PresenceTracker tracker;

    @BeforeEach
    void start() {
        broker = new InMemoryBroker(100);
        broker.start(new BrokerListener() {
        });
        rooms = new LocalRooms(broker, WAIT, ChatMetrics.NONE);
        PresenceStore real = broker.presenceStore("n1", Duration.ofSeconds(15), Duration.ofSeconds(5));
        PresenceStore recording = (PresenceStore) Proxy.newProxyInstance(PresenceStore.class.getClassLoader(),
                new Class<?>[] {PresenceStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("refresh")) {
                        @SuppressWarnings("unchecked")
                        Collection<PresenceEntry> entries = (Collection<PresenceEntry>) args[0];
                        refreshCalls.add(List.copyOf(entries));
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        // the defaults: ttl 15 s, refresh every 5 s
        ChatSettings.Presence timing = new ChatSettings.Presence(Duration.ofSeconds(15), Duration.ofSeconds(5),
                Duration.ofSeconds(5), Duration.ofSeconds(5));
        tracker = new PresenceTracker(broker, recording, rooms, timing, WAIT, ChatEvents.NONE);
        for (int i = 0; i < TOPICS; i++) {
            Session session = new Session("s" + i, new Identity("u" + i, false), new RecordingRecipient(), 1);
            rooms.join(Topics.room("r" + i), session);
        }
    }

    @AfterEach
    void stop() {
        tracker.close();
        broker.close();
    }

    @Test
    void theHeartbeatRefreshesOneSliceOfTheTopicsPerTickAndEveryEntryOncePerPeriod() {
        assertThat(tracker.slices()).isEqualTo(50);

        for (int slice = 0; slice < tracker.slices(); slice++) {
            tracker.refresh(slice);
        }

        List<String> refreshed = new ArrayList<>();
        refreshCalls.forEach(call -> call.forEach(e -> refreshed.add(e.topic() + "/" + e.member())));
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < TOPICS; i++) {
            expected.add(Topics.room("r" + i) + "/u" + i);
        }
        // one period: every entry exactly once
        assertThat(refreshed).containsExactlyInAnyOrderElementsOf(expected);
        // and spread: no tick sends more than a fifth of them (the whole heartbeat used to be one burst)
        assertThat(refreshCalls).allSatisfy(call -> assertThat(call.size()).isLessThan(TOPICS / 5));
        assertThat(refreshCalls.size()).isGreaterThan(25);
    }

    @Test
    void aTopicStaysInItsSliceSoItsEntryIsRefreshedOncePerPeriodNotMoreOrLess() {
        String topic = Topics.room("r7");
        List<Integer> slicesWithIt = new ArrayList<>();
        for (int round = 0; round < 2; round++) {
            for (int slice = 0; slice < tracker.slices(); slice++) {
                refreshCalls.clear();
                tracker.refresh(slice);
                if (refreshCalls.stream().anyMatch(call -> call.stream().anyMatch(e -> e.topic().equals(topic)))) {
                    slicesWithIt.add(slice);
                }
            }
        }
        assertThat(slicesWithIt).hasSize(2);
        assertThat(slicesWithIt.get(0)).isEqualTo(slicesWithIt.get(1));
    }
}
