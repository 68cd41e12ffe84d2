from qslint.cli import main

main()
