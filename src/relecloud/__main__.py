from relecloud.cli import main

main()
