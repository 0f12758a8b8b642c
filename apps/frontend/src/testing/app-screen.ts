import { screen, within } from '@testing-library/react';

/** The parts of the app the tests look at, found as a user finds them. */
export const log = () => screen.getByRole('log', { name: 'Conversation' });
export const inLog = () => within(log());
export const input = () => screen.getByRole('textbox', { name: 'Message' });
export const sidebar = () =>
  within(screen.getByRole('complementary', { name: 'Conversations' }));
