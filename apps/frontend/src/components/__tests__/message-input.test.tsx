import { fireEvent, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';

import { MessageInput } from '@/components/message-input';
import type { ChatPhase } from '@/hooks/use-chat';

function setup(phase: ChatPhase = 'idle') {
  const onSend = vi.fn();
  const onStop = vi.fn();
  function Harness() {
    const [value, setValue] = useState('');
    return (
      <MessageInput
        value={value}
        phase={phase}
        editing={false}
        onChange={setValue}
        onSend={() => {
          onSend(value);
          setValue('');
        }}
        onStop={onStop}
        onCancelEdit={() => undefined}
      />
    );
  }
  render(<Harness />);
  return {
    onSend,
    onStop,
    textbox: screen.getByRole('textbox', { name: 'Message' }),
  };
}

describe('MessageInput', () => {
  it('sends on Enter', async () => {
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

  it('offers Stop instead of Send while an answer streams, keeping the text', async () => {
    const { onSend, onStop, textbox } = setup('streaming');
    expect(screen.queryByRole('button', { name: 'Send' })).toBeNull();
    await userEvent.type(textbox, 'next{Enter}');
    expect(onSend).not.toHaveBeenCalled();
    expect(textbox).toHaveValue('next');
    await userEvent.click(screen.getByRole('button', { name: 'Stop' }));
    expect(onStop).toHaveBeenCalledOnce();
  });

  it('counts the characters of a long message as it is typed', async () => {
    const { textbox } = setup();
    await userEvent.click(textbox);
    await userEvent.paste('y'.repeat(999));
    expect(screen.queryByText(/characters$/)).toBeNull();
    await userEvent.type(textbox, 'yy');
    expect(screen.getByText('1,001 characters')).toBeInTheDocument();
    expect(textbox).toHaveAccessibleDescription(
      'Enter sends, Shift+Enter adds a line. 1,001 characters',
    );
  });
});
