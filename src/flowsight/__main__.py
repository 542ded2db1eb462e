from flowsight.cli import main

main()
