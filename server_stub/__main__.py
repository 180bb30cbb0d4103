from server_stub.cli import main

main(prog_name="python -m server_stub")
