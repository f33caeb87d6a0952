package org.wsk4j;

import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.spi.TransportEndpoint;
import org.wsk4j.spi.TransportException;
import org.wsk4j.internal.GuardedBy;

/**
 * A socket's options: WskControlSocket's WskSetOption and WskGetOption for what every category has (a category
 * handles its own options first and delegates the rest here). Options with a transport equivalent go to the
 * endpoint and are remembered; options without one, or set before the socket has an endpoint, are stored here.
 *
 * <p>A part of its socket (composition, one per {@link SocketImpl}); its state is guarded by the socket's
 * {@code lock}.
 */
final class SocketOptions {

    private final SocketImpl socket;
    /** Options without a transport equivalent, or kept while there is no endpoint yet; or null. */
    @GuardedBy("socket.lock")
    private Map<Integer, Integer> values;

    SocketOptions(SocketImpl socket) {
        this.socket = socket;
        if (socket.family == Wsk.AF_INET6) {
            values = new HashMap<>(4);
            values.put(key(Wsk.IPPROTO_IPV6, Wsk.IPV6_V6ONLY), 1); // Windows default: IPv6 only
        }
    }

    private static int key(int level, int code) {
        return level * 31 + code;
    }

    /** WskSetOption of the options every category has (a category checks its own first). */
    NtStatus set(int level, int code, int value) {
        TransportEndpoint endpoint = socket.endpoint();
        if (level == Wsk.SOL_SOCKET) {
            switch (code) {
                case Wsk.SO_REUSEADDR:
                    if (socket.isBound()) {
                        return NtStatus.STATUS_INVALID_DEVICE_STATE; // must precede bind
                    }
                    return transportOrStore(endpoint, level, code, StandardSocketOptions.SO_REUSEADDR, value != 0, value);
                case Wsk.SO_EXCLUSIVEADDRUSE:
                    if (socket.isBound()) {
                        return NtStatus.STATUS_INVALID_DEVICE_STATE;
                    }
                    return store(level, code, value != 0 ? 1 : 0);
                case Wsk.SO_KEEPALIVE:
                    return transportOrStore(endpoint, level, code, StandardSocketOptions.SO_KEEPALIVE, value != 0, value);
                case Wsk.SO_BROADCAST:
                    return transportOrStore(endpoint, level, code, StandardSocketOptions.SO_BROADCAST, value != 0, value);
                case Wsk.SO_RCVBUF:
                    return value <= 0 ? NtStatus.STATUS_INVALID_PARAMETER
                            : transportOrStore(endpoint, level, code, StandardSocketOptions.SO_RCVBUF, value, value);
                case Wsk.SO_SNDBUF:
                    return value < 0 ? NtStatus.STATUS_INVALID_PARAMETER
                            : transportOrStore(endpoint, level, code, StandardSocketOptions.SO_SNDBUF, Math.max(1, value), value);
                case Wsk.SO_CONDITIONAL_ACCEPT:
                    return socket.category == Wsk.WSK_FLAG_LISTEN_SOCKET && !socket.isBound() ? store(level, code, value != 0 ? 1 : 0)
                            : socket.category == Wsk.WSK_FLAG_LISTEN_SOCKET ? NtStatus.STATUS_INVALID_DEVICE_STATE
                            : NtStatus.STATUS_NOT_SUPPORTED;
                default:
                    return NtStatus.STATUS_NOT_SUPPORTED;
            }
        }
        if (level == Wsk.IPPROTO_TCP && code == Wsk.TCP_NODELAY && socket.type == Wsk.SOCK_STREAM) {
            return transportOrStore(endpoint, level, code, StandardSocketOptions.TCP_NODELAY, value != 0, value);
        }
        if (level == Wsk.IPPROTO_IPV6 && code == Wsk.IPV6_V6ONLY && socket.family == Wsk.AF_INET6) {
            return socket.isBound() ? NtStatus.STATUS_INVALID_DEVICE_STATE : store(level, code, value != 0 ? 1 : 0);
        }
        return level == Wsk.SOL_SOCKET || level == Wsk.IPPROTO_TCP || level == Wsk.IPPROTO_IPV6
                || level == Wsk.IPPROTO_IP || level == Wsk.IPPROTO_UDP
                ? NtStatus.STATUS_NOT_SUPPORTED : NtStatus.STATUS_INVALID_PARAMETER;
    }

    /** WskGetOption. */
    NtStatus get(int level, int code, Ref<Integer> value) {
        Integer stored;
        synchronized (socket.lock) {
            stored = values == null ? null : values.get(key(level, code));
        }
        TransportEndpoint endpoint = socket.endpoint();
        SocketOption<?> option = null;
        if (level == Wsk.SOL_SOCKET) {
            switch (code) {
                case Wsk.SO_REUSEADDR: option = StandardSocketOptions.SO_REUSEADDR; break;
                case Wsk.SO_KEEPALIVE: option = StandardSocketOptions.SO_KEEPALIVE; break;
                case Wsk.SO_BROADCAST: option = StandardSocketOptions.SO_BROADCAST; break;
                case Wsk.SO_RCVBUF: option = StandardSocketOptions.SO_RCVBUF; break;
                case Wsk.SO_SNDBUF: option = StandardSocketOptions.SO_SNDBUF; break;
                case Wsk.SO_EXCLUSIVEADDRUSE:
                case Wsk.SO_CONDITIONAL_ACCEPT:
                    value.set(stored == null ? 0 : stored);
                    return NtStatus.STATUS_SUCCESS;
                default:
                    return NtStatus.STATUS_NOT_SUPPORTED;
            }
        } else if (level == Wsk.IPPROTO_TCP && code == Wsk.TCP_NODELAY && socket.type == Wsk.SOCK_STREAM) {
            option = StandardSocketOptions.TCP_NODELAY;
        } else if (level == Wsk.IPPROTO_IPV6 && code == Wsk.IPV6_V6ONLY && socket.family == Wsk.AF_INET6) {
            value.set(stored == null ? 1 : stored);
            return NtStatus.STATUS_SUCCESS;
        } else {
            return NtStatus.STATUS_NOT_SUPPORTED;
        }
        if (endpoint == null) {
            value.set(stored == null ? 0 : stored);
            return NtStatus.STATUS_SUCCESS;
        }
        try {
            Object raw = endpoint.getOption(option);
            value.set(raw instanceof Boolean ? ((Boolean) raw ? 1 : 0) : ((Number) raw).intValue());
            return NtStatus.STATUS_SUCCESS;
        } catch (TransportException e) {
            if (e.status() == NtStatus.STATUS_NOT_SUPPORTED && stored != null) {
                value.set(stored);
                return NtStatus.STATUS_SUCCESS;
            }
            return e.status();
        }
    }

    private <T> NtStatus transportOrStore(TransportEndpoint endpoint, int level, int code, SocketOption<T> option,
                                          T transportValue, int value) {
        if (endpoint != null) {
            NtStatus status = endpoint.setOption(option, transportValue);
            if (status != NtStatus.STATUS_SUCCESS) {
                return status;
            }
        }
        return store(level, code, value);
    }

    private NtStatus store(int level, int code, int value) {
        synchronized (socket.lock) {
            if (values == null) {
                values = new HashMap<>(4);
            }
            values.put(key(level, code), value);
            return NtStatus.STATUS_SUCCESS;
        }
    }

    /** An option's stored value, else {@code otherwise}. */
    int stored(int level, int code, int otherwise) {
        synchronized (socket.lock) {
            return values == null ? otherwise : values.getOrDefault(key(level, code), otherwise);
        }
    }

    /** Reads a ULONG option value: Integer, Long, Boolean, a little-endian byte[] or ByteBuffer of 4+ bytes. */
    static Integer ulong(long inputSize, Object input) {
        if (inputSize < 4) {
            return null;
        }
        if (input instanceof Integer) {
            return (Integer) input;
        }
        if (input instanceof Long) {
            return (int) (long) (Long) input;
        }
        if (input instanceof Boolean) {
            return (Boolean) input ? 1 : 0;
        }
        if (input instanceof byte[] && ((byte[]) input).length >= 4) {
            return ByteBuffer.wrap((byte[]) input).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
        }
        if (input instanceof ByteBuffer && ((ByteBuffer) input).remaining() >= 4) {
            ByteBuffer buffer = (ByteBuffer) input;
            return buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN).getInt(buffer.position());
        }
        return null;
    }

    /** Writes a ULONG into an output holder: a {@code Ref}, a byte[] (little-endian) or a ByteBuffer. */
    @SuppressWarnings("unchecked")
    static boolean writeUlong(Object output, int value) {
        if (output instanceof Ref) {
            ((Ref<Object>) output).set(value);
            return true;
        }
        if (output instanceof byte[] && ((byte[]) output).length >= 4) {
            ByteBuffer.wrap((byte[]) output).order(ByteOrder.LITTLE_ENDIAN).putInt(0, value);
            return true;
        }
        if (output instanceof ByteBuffer && ((ByteBuffer) output).remaining() >= 4 && !((ByteBuffer) output).isReadOnly()) {
            ByteBuffer buffer = (ByteBuffer) output;
            buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN).putInt(buffer.position(), value);
            return true;
        }
        return false;
    }
}
