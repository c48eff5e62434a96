package io.chatrelay.example.directory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class DemoDirectoryTest {
    private final DemoDirectory demo = DemoDirectory.builtIn();

    @Test
    void authenticatesTheBuiltInUsersWithTheirPasswordsOnly() {
        assertThat(demo.authenticate("alice", "alice-demo-password")).hasValueSatisfying(u -> {
            assertThat(u.name()).isEqualTo("Alice Adams");
            assertThat(u.grants()).containsExactly("private:team-red.*");
        });
        assertThat(demo.authenticate("alice", "alice-demo-passwor")).isEmpty();
        assertThat(demo.authenticate("alice", "")).isEmpty();
        assertThat(demo.authenticate("nobody", "alice-demo-password")).isEmpty();
    }

    @Test
    void letsMembersIntoSingleRoomsAndTeamsIntoTheirRooms() {
        User alice = demo.find("alice").orElseThrow();
        User bob = demo.find("bob").orElseThrow();

        assertThat(demo.mayEnter(alice, "private:launch")).isTrue();
        assertThat(demo.mayEnter(bob, "private:launch")).isFalse();
        assertThat(demo.mayEnter(bob, "private:team-blue.anything")).isTrue();
        assertThat(demo.mayEnter(alice, "private:team-blue.anything")).isFalse();
        assertThat(demo.mayEnter(alice, "private:team-red")).as("the grant covers the team's rooms, not a room named like it").isFalse();
    }

    @Test
    void readsAFileOfTheSameShape(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("users.json"), """
                {"users": [{"id": "erin@example.com", "name": "Erin", "password": "pw", "teams": ["ops"]}],
                 "rooms": {"support:42": ["erin@example.com"]}}
                """);

        DemoDirectory d = DemoDirectory.load(file);

        User erin = d.authenticate("erin@example.com", "pw").orElseThrow();
        assertThat(d.mayEnter(erin, "support:42")).isTrue();
        assertThat(d.mayEnter(erin, "private:team-ops.x")).isTrue();
        assertThat(d.find("alice")).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"users\": [{\"id\": \"a b\", \"name\": \"A\", \"password\": \"p\"}]}",
            "{\"users\": [{\"id\": \"a\", \"password\": \"p\"}]}",
            "{\"users\": [{\"id\": \"a\", \"name\": \"A\"}]}",
            "{\"users\": [{\"id\": \"a\", \"name\": \"A\", \"password\": \"p\", \"teams\": [\"Red.Team\"]}]}",
            "{\"users\": [{\"id\": \"a\", \"name\": \"A\", \"password\": \"p\"}, {\"id\": \"a\", \"name\": \"B\", \"password\": \"q\"}]}",
            "{\"users\": [{\"id\": \"a\", \"name\": \"A\", \"password\": \"p\"}], \"rooms\": {\"bad room\": [\"a\"]}}",
            "{\"users\": [{\"id\": \"a\", \"name\": \"A\", \"password\": \"p\"}], \"rooms\": {\"r\": [\"b\"]}}",
            "{\"users\": {}}",
            "not json"})
    void refusesAMalformedFile(String json, @TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("users.json"), json);

        assertThatIllegalArgumentException().isThrownBy(() -> DemoDirectory.load(file));
    }
}
