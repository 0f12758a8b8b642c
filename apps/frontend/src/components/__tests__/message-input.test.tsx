import { fireEvent, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { MessageInput } from '@/components/message-input';

function setup(busy = false) {
  const onSend = vi.fn();
  const onStop = vi.fn();
  render(<MessageInput busy={busy} onSend={onSend} onStop={onStop} />);
  return {
    onSend,
    onStop,
    textbox: screen.getByRole('textbox', { name: 'Message' }),
  };
}

describe('MessageInput', () => {
  it('sends on Enter and clears the field', async () => {
    const { onSend, textbox } = setup();
    await userEvent.type(textbox, 'Hello{Enter}');
    expect(onSend).toHaveBeenCalledExactlyOnceWith('Hello');
    expect(textbox).toHaveValue('');
  });

  it('adds a line on Shift+Enter without sending', async () => {
    const { onSend, textbox } = setup();
    await userEvent.type(textbox, 'one{Shift>}{Enter}{/Shift}two');
    expect(textbox).toHaveValue('one\ntwo');
    expect(onSend).not.toHaveBeenCalled();
  });

  it('does not send the Enter that confirms an input-method composition', () => {
    const { onSend, textbox } = setup();
    fireEvent.change(textbox, { target: { value: 'にほんご' } });
    fireEvent.keyDown(textbox, { key: 'Enter', isComposing: true });
    fireEvent.keyDown(textbox, { key: 'Enter', keyCode: 229 });
    expect(onSend).not.toHaveBeenCalled();
    fireEvent.keyDown(textbox, { key: 'Enter' });
    expect(onSend).toHaveBeenCalledExactlyOnceWith('にほんご');
  });

  it('does not send blank text', async () => {
    const { onSend, textbox } = setup();
    await userEvent.type(textbox, '   {Enter}');
    expect(onSend).not.toHaveBeenCalled();
    expect(screen.getByRole('button', { name: 'Send' })).toBeDisabled();
  });

  it('offers Stop instead of Send while an answer runs', async () => {
    const { onSend, onStop, textbox } = setup(true);
    expect(screen.queryByRole('button', { name: 'Send' })).toBeNull();
    await userEvent.type(textbox, 'next{Enter}');
    expect(onSend).not.toHaveBeenCalled();
    await userEvent.click(screen.getByRole('button', { name: 'Stop' }));
    expect(onStop).toHaveBeenCalledOnce();
  });
});
