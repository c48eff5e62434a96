package io.chatrelay.bench;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class WireTest {
    @Test
    void payloadRoundTrip() {
        String text = Payload.text(true, 123456789L, 64);
        assertThat(text).hasSize(64).startsWith("m|123456789|");
        String frame = "{\"type\":\"message\",\"room\":\"r\",\"id\":\"1-0\",\"from\":\"a\",\"text\":\"" + text + "\",\"ts\":1}";
        assertThat(Payload.parse(frame)).isEqualTo(123456789L);
        assertThat(Payload.parse(frame.replace("\"m|", "\"w|"))).isEqualTo(-1 - 123456789L);
        assertThat(Payload.parse("{\"type\":\"message\",\"text\":\"hello\"}")).isEqualTo(Payload.NONE);
    }

    @Test
    void chatRelayFrames() {
        Wire w = Wire.of("chatrelay");
        assertThat(w.classify("{\"type\":\"welcome\",\"protocol\":1}")).isEqualTo(Wire.Kind.READY);
        assertThat(w.classify("{\"type\":\"joined\",\"room\":\"r\"}")).isEqualTo(Wire.Kind.JOINED);
        assertThat(w.classify("{\"type\":\"message\",\"room\":\"r\"}")).isEqualTo(Wire.Kind.MESSAGE);
        assertThat(w.classify("{\"type\":\"ack\",\"ref\":\"1\"}")).isEqualTo(Wire.Kind.ACK);
        assertThat(w.classify("{\"type\":\"error\",\"code\":\"x\"}")).isEqualTo(Wire.Kind.ERROR);
        assertThat(w.classify("{\"type\":\"presence\"}")).isEqualTo(Wire.Kind.OTHER);
        assertThat(w.send("r", "t", 7)).isEqualTo("{\"type\":\"send\",\"room\":\"r\",\"text\":\"t\",\"ref\":\"7\"}");
        assertThat(w.uri("ws://h:1", "n", "r").toString()).isEqualTo("ws://h:1/ws?name=n");
    }

    @Test
    void socketIoFrames() {
        Wire w = Wire.of("socketio");
        String open = "0{\"sid\":\"x\",\"upgrades\":[],\"pingInterval\":25000,\"pingTimeout\":20000}";
        assertThat(w.classify(open)).isEqualTo(Wire.Kind.OTHER);
        assertThat(w.autoReply(open)).isEqualTo("40");
        assertThat(w.classify("40{\"sid\":\"y\"}")).isEqualTo(Wire.Kind.READY);
        assertThat(w.autoReply("2")).isEqualTo("3");
        assertThat(w.join("r")).isEqualTo("421[\"join\",\"r\"]");
        assertThat(w.classify("431[{\"type\":\"joined\",\"room\":\"r\"}]")).isEqualTo(Wire.Kind.JOINED);
        assertThat(w.send("r", "t", 0)).isEqualTo("422[\"send\",{\"room\":\"r\",\"text\":\"t\",\"ref\":\"0\"}]");
        assertThat(w.classify("4322[{\"type\":\"ack\"}]")).isEqualTo(Wire.Kind.ACK);
        assertThat(w.classify("42[\"message\",{\"type\":\"message\",\"text\":\"m|5|x\"}]")).isEqualTo(Wire.Kind.MESSAGE);
        assertThat(Payload.parse("42[\"message\",{\"type\":\"message\",\"text\":\"m|5|x\"}]")).isEqualTo(5);
        assertThat(w.classify("44{\"message\":\"no\"}")).isEqualTo(Wire.Kind.ERROR);
        assertThat(w.uri("ws://h:1", "n", "r").toString()).isEqualTo("ws://h:1/socket.io/?EIO=4&transport=websocket&name=n");
        assertThat(Wire.of("socketio-streams").system()).isEqualTo("socketio-streams");
        // with connection state recovery every event carries its offset last
        assertThat(Wire.of("socketio-streams").classify("42[\"message\",{\"type\":\"message\",\"text\":\"m|5|x\"},\"1-0\"]"))
                .isEqualTo(Wire.Kind.MESSAGE);
    }

    @Test
    void nchanFrames() {
        Wire w = Wire.of("nchan");
        assertThat(w.joinsOnConnect()).isTrue();
        assertThat(w.readyOnOpen()).isTrue();
        assertThat(w.uri("ws://h:1", "n", "r7").toString()).isEqualTo("ws://h:1/sub/r7");
        assertThat(w.uri("ws://h:1", "n", null).toString()).isEqualTo("ws://h:1/sub/idle-n");
        assertThat(w.publisherUri("ws://h:1", "r7").toString()).isEqualTo("ws://h:1/pub/r7");
        String body = w.send("r7", "m|5|x", 3);
        assertThat(w.classify(body)).isEqualTo(Wire.Kind.MESSAGE);
        assertThat(Payload.parse(body)).isEqualTo(5);
        assertThat(w.classify("queued messages: 1")).isEqualTo(Wire.Kind.OTHER);
    }
}
