/**
 * Rooms on this gateway: {@link io.chatrelay.chat.room.LocalRooms} (the one owner of memberships
 * and subscriptions, and the fan-out), {@link io.chatrelay.chat.room.Membership} (replay, then
 * live), {@link io.chatrelay.chat.room.Joins} (join, rejoin in place, paged recovery, leave) and
 * {@link io.chatrelay.chat.room.PresenceTracker}.
 */
package io.chatrelay.chat.room;
