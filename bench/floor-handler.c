/* SPDX-License-Identifier: MIT */
/* bench/floor-handler.c: the least a per-connection handler can do — read the request, write a
 * fixed answer — built static, so bench/run can show what systemd-socket-activate's fork+exec
 * costs on this machine before vumaerp-api does any work. Not part of the product. */
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void) {
        static const char answer[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
                                     "Connection: close\r\n\r\n{}";
        char buf[16384];

        if (read(0, buf, sizeof(buf)) < 0)
                return 1;
        if (write(1, answer, strlen(answer)) < 0)
                return 1;
        shutdown(1, SHUT_WR);
        return 0;
}
