/**
 * The app's decisions on chat access (login, refresh, room tokens), apart from any transport:
 * {@link io.chatrelay.example.access.ChatAccess}. The gateway's join hook will ask here too.
 */
package io.chatrelay.example.access;
