/**
 * Who a connection is: {@link io.chatrelay.chat.auth.Authenticator} turns a token or a guest
 * name into an {@link io.chatrelay.chat.Identity}, the same for every door.
 */
package io.chatrelay.chat.auth;
