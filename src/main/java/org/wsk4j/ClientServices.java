package org.wsk4j;

import org.wsk4j.nt.Irp;
import org.wsk4j.nt.NtStatus;

/**
 * Client-level services of the provider: {@code WskControlClient} and name resolution
 * ({@code WskGetAddressInfo}, {@code WskFreeAddressInfo}, {@code WskGetNameInfo}).
 */
final class ClientServices {

    private final WskProvider provider;

    ClientServices(WskProvider provider) {
        this.provider = provider;
    }

    NtStatus controlClient(WskRegistration registration, int controlCode, long inputSize, Object inputBuffer,
                           long outputSize, Object outputBuffer, Ref<Long> outputSizeReturned, Irp irp) {
        if (irp == null) {
            return NtStatus.STATUS_NOT_IMPLEMENTED;
        }
        NtStatus rejected = provider.acceptIrp(irp, "WskControlClient");
        return rejected != null ? rejected : provider.failNow(irp, NtStatus.STATUS_NOT_IMPLEMENTED);
    }

    NtStatus getAddressInfo(WskRegistration registration, String nodeName, String serviceName, int nameSpace,
                            Object nameProvider, AddrInfoExW hints, Ref<AddrInfoExW> result, Irp irp) {
        NtStatus rejected = provider.acceptIrp(irp, "WskGetAddressInfo");
        return rejected != null ? rejected : provider.failNow(irp, NtStatus.STATUS_NOT_IMPLEMENTED);
    }

    void freeAddressInfo(WskRegistration registration, AddrInfoExW addrInfo) {
    }

    NtStatus getNameInfo(WskRegistration registration, SockAddr sockAddr, int sockAddrLength, Ref<String> nodeName,
                         Ref<String> serviceName, int flags, Irp irp) {
        NtStatus rejected = provider.acceptIrp(irp, "WskGetNameInfo");
        return rejected != null ? rejected : provider.failNow(irp, NtStatus.STATUS_NOT_IMPLEMENTED);
    }
}
