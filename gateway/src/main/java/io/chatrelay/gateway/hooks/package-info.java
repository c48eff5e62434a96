/**
 * The gateway's side of the application's integration (docs/integration.md): the synchronous
 * hooks the core asks before a join or a send ({@link io.chatrelay.gateway.hooks.HttpHooks}), the
 * application events written to the shared event log ({@link io.chatrelay.gateway.hooks.EventRecorder})
 * and delivered as signed webhooks by exactly one gateway, retried, dead-lettered
 * ({@link io.chatrelay.gateway.hooks.WebhookDispatcher}); {@link io.chatrelay.gateway.hooks.Signature}
 * signs both. {@link io.chatrelay.gateway.hooks.AppIntegration} builds what the configuration asks for.
 */
package io.chatrelay.gateway.hooks;
