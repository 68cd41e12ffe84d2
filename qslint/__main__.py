from qslint.cli import console

console()
