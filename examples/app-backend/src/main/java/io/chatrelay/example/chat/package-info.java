/**
 * The contract with chat-relay, as an app sees it from outside: what the gateway accepts in the
 * tokens this backend signs ({@link io.chatrelay.example.chat.ChatNames}), the signature on the
 * gateway's hooks and webhooks ({@link io.chatrelay.example.chat.SignatureCheck}), the publish
 * hook's word rule ({@link io.chatrelay.example.chat.WordFilter}) and the webhook events received,
 * deduplicated by id ({@link io.chatrelay.example.chat.EventInbox}).
 */
package io.chatrelay.example.chat;
