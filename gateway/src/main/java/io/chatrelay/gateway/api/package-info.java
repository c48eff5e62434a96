/**
 * The server API: the HTTP door through which the application's backend drives the chat core
 * (on the admin listener, behind API keys), the node directory it reports from, and the admin page.
 */
package io.chatrelay.gateway.api;
