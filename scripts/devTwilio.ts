/** The Twilio account the dev stand-in (scripts/dev-sinks.ts) accepts and scripts/sms-reply.ts signs with. Not a real account. */
export const DEV_TWILIO = {
  accountSid: 'AC0000000000000000000000000000de00',
  authToken: 'dev-auth-token-not-a-secret',
  from: '+15005550006',
} as const;
