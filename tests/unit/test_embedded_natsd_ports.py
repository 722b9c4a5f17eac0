"""nianbao/embedded/natsd.py free_port: the ports handed to servers started one after another
(the embedded broker and its monitor, the stages' health ports) are never the same twice."""

from __future__ import annotations

import socket

from nianbao.embedded.natsd import free_port


def test_a_process_never_gets_the_same_free_port_twice():
    ports = [free_port() for _ in range(300)]
    assert len(set(ports)) == len(ports)


def test_a_free_port_can_be_bound():
    with socket.socket() as s:
        s.bind(("127.0.0.1", free_port()))
