"""Drive the colash kernel with jupyter_client's blocking client (Debian's python3-jupyter-client).

Run by kernel/jupyter_test.go with JUPYTER_PATH pointing at a freshly installed kernelspec.
Prints one line per check ("ok NAME" or "FAIL NAME: why") and exits 1 if any failed.
"""
import queue
import sys
import time

from jupyter_client.manager import start_new_kernel
from jupyter_client.session import Session

failed = False


def check(name, cond, why=""):
    global failed
    print(("ok " if cond else "FAIL ") + name + ("" if cond else ": " + why), flush=True)
    failed = failed or not cond


def run(kc, code, timeout=60, allow_stdin=False):
    """Execute code; return (reply content, iopub messages of this request)."""
    return collect(kc, kc.execute(code, allow_stdin=allow_stdin), timeout)


def collect(kc, msg_id, timeout=60):
    """The reply and iopub messages of the request msg_id."""
    reply = kc.get_shell_msg(timeout=timeout)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=timeout)
    msgs = []
    while True:
        m = kc.get_iopub_msg(timeout=timeout)
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        msgs.append(m)
        if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            return reply["content"], msgs


def of(msgs, t):
    return [m["content"] for m in msgs if m["msg_type"] == t]


km, kc = start_new_kernel(kernel_name="colash", startup_timeout=60)
try:
    info = kc.kernel_info(reply=True, timeout=30)["content"]
    check("kernel_info", info["protocol_version"] == "5.3" and info["language_info"]["name"] == "go", str(info))

    reply, msgs = run(kc, "x := 20\nx + 22")
    res = of(msgs, "execute_result")
    check("expression", reply["status"] == "ok" and res and res[0]["data"]["text/plain"] == "42", str(res))

    reply, msgs = run(kc, 'fmt.Println("hello")\nfmt.Fprintln(os.Stderr, "warn")')
    streams = {s["name"]: s["text"] for s in of(msgs, "stream")}
    check("stream", streams.get("stdout") == "hello\n" and streams.get("stderr") == "warn\n", str(streams))

    reply, msgs = run(kc, 'var s []int\ns[3]')
    err = of(msgs, "error")
    check("panic", reply["status"] == "error" and err and err[0]["ename"] == "Panic" and "index out of range" in err[0]["evalue"], str(err))
    reply, msgs = run(kc, "x * 2")
    res = of(msgs, "execute_result")
    check("after panic", reply["status"] == "ok" and res and res[0]["data"]["text/plain"] == "40", str(reply))

    reply, msgs = run(kc, "undefinedName + 1")
    err = of(msgs, "error")
    check("compile error", reply["status"] == "error" and err and "undefined: undefinedName" in err[0]["evalue"], str(err))

    # interrupt a long generation: many 200-token generations, interrupted after 2 s
    run(kc, 'm := colash.Load("")')
    msg_id = kc.execute('for i := 0; i < 100000; i++ {\n\tm.Generate("Once upon a time", colash.Opts{N: 200})\n}')
    time.sleep(2)
    t0 = time.time()
    km.interrupt_kernel()
    reply = kc.get_shell_msg(timeout=30)["content"]
    took = time.time() - t0
    check("interrupt", reply["status"] == "error" and reply["ename"] == "Interrupted" and took < 10, "%s after %.1fs" % (reply, took))
    reply, msgs = run(kc, 'len(m.Generate("Once", colash.Opts{N: 4}).Tokens)')
    res = of(msgs, "execute_result")
    check("after interrupt", res and res[0]["data"]["text/plain"] == "4", str(reply))

    c = kc.complete("m.Gene", 6, reply=True, timeout=30)["content"]
    check("complete", "m.Generate" in c["matches"] and c["cursor_start"] == 0 and c["cursor_end"] == 6, str(c))

    i = kc.inspect("colash.Load", 9, reply=True, timeout=30)["content"]
    check("inspect", i["found"] and "Load" in i["data"].get("text/plain", ""), str(i))

    kc.is_complete("for i := 0; i < 3; i++ {")
    ic = kc.get_shell_msg(timeout=30)["content"]
    kc.is_complete("x + 1")
    ic2 = kc.get_shell_msg(timeout=30)["content"]
    check("is_complete", ic["status"] == "incomplete" and ic2["status"] == "complete", "%s %s" % (ic, ic2))

    # a cell that reads its input asks the frontend for each line: input_request on stdin
    read = 'var name string\nvar n int\nfmt.Print("name? ")\nfmt.Scanln(&name)\nfmt.Scanln(&n)\nfmt.Sprintf("%s %d", name, 2*n)'
    msg_id = kc.execute(read, allow_stdin=True)
    asked = []
    for line in ["Lily", "21"]:
        req = kc.get_stdin_msg(timeout=30)
        asked.append((req["msg_type"], req["parent_header"].get("msg_id") == msg_id))
        kc.input(line)
    reply, msgs = collect(kc, msg_id)
    res = of(msgs, "execute_result")
    out = "".join(s["text"] for s in of(msgs, "stream") if s["name"] == "stdout")
    check("input_request", asked == [("input_request", True)] * 2 and res and res[0]["data"]["text/plain"] == '"Lily 42"' and out == "name? ",
          "%s %s %r" % (asked, res, out))
    # a frontend that does not allow stdin (nbconvert) gives the cell an empty input, unasked
    reply, msgs = run(kc, '_, err := fmt.Scanln(&name)\nerr', allow_stdin=False)
    res = of(msgs, "execute_result")
    try:
        kc.get_stdin_msg(timeout=1)
        unasked = False
    except queue.Empty:
        unasked = True
    check("stdin not allowed", unasked and res and "EOF" in res[0]["data"]["text/plain"], str(res))
    # an interrupt ends a wait for input
    msg_id = kc.execute("fmt.Scanln(&name)\nname", allow_stdin=True)
    kc.get_stdin_msg(timeout=30)
    km.interrupt_kernel()
    reply = kc.get_shell_msg(timeout=10)["content"]
    msg_id = kc.execute("sc := bufio.NewScanner(os.Stdin)\nsc.Scan()\nsc.Text()", allow_stdin=True)
    kc.get_stdin_msg(timeout=30)
    kc.input("Tom")
    reply2, msgs = collect(kc, msg_id)
    res = of(msgs, "execute_result")
    check("interrupt input", reply2["status"] == "ok" and res and res[0]["data"]["text/plain"] == '"Tom"', "%s then %s" % (reply, res))

    # a request signed with another key is refused: no reply, and the kernel goes on
    bad = Session(key=b"not-the-key")
    bad.send(kc.shell_channel.socket, "execute_request", {"code": "1+1", "silent": False, "store_history": True,
                                                          "user_expressions": {}, "allow_stdin": False})
    try:
        got = kc.get_shell_msg(timeout=3)
        check("bad signature refused", False, "got a reply: %s" % got["msg_type"])
    except queue.Empty:
        check("bad signature refused", True)
    reply, msgs = run(kc, "x")
    check("after bad signature", reply["status"] == "ok", str(reply))
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=False)
    check("shutdown", not km.is_alive())
sys.exit(1 if failed else 0)
