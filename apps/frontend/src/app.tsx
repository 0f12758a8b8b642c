import { ChatContainer } from '@/components/chat-container';
import { useHealth } from '@/hooks/use-health';
import { useSession } from '@/hooks/use-session';

export function App() {
  const health = useHealth();
  const session = useSession();
  return <ChatContainer health={health} session={session} />;
}
