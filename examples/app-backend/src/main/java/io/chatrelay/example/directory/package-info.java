/**
 * The app's users and room memberships: the {@link io.chatrelay.example.directory.Directory}
 * contract and its stand-in, {@link io.chatrelay.example.directory.DemoDirectory}.
 */
package io.chatrelay.example.directory;
